package server

import (
	"net/http"
	"strconv"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/org"
	"github.com/aftersales/aftersales/web/views"
)

// renderStations renders the station tree with the new-station form (and its errors).
func (s *server) renderStations(w http.ResponseWriter, r *http.Request, status int, v views.StationsView) {
	t, err := s.Stations.Tree(r.Context(), actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Tree = t
	s.render(w, r, status, views.AdminStations(s.page(r, "station.title"), v))
}

// handleStations is the station tree (服务站) with the form for a new centre or outlet.
func (s *server) handleStations() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.renderStations(w, r, http.StatusOK, views.StationsView{Values: map[string]string{"time_zone": s.Config.Location.String()}})
	}
}

// handleCreateStation adds a centre or an outlet.
func (s *server) handleCreateStation() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		vals := postValues(r)
		errs := map[string]string{}
		parent := number(errs, "parent_id", vals["parent_id"])
		err := formErr(errs)
		var st org.Station
		if err == nil {
			st, err = s.Stations.Create(r.Context(), actor(r), org.NewStation{Code: vals["code"], Kind: org.Kind(vals["kind"]), ParentID: parent,
				Profile: stationProfile(vals)})
		}
		if e := apperr.As(err); err != nil && len(e.Fields) > 0 {
			s.renderStations(w, r, http.StatusUnprocessableEntity, views.StationsView{Values: vals, Errors: e.Fields})
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.flashData(r, "station.created", map[string]any{"Name": st.Name, "Code": st.Code})
		redirect(w, r, "/admin/stations")
	}
}

func stationProfile(vals map[string]string) org.Profile {
	return org.Profile{Name: vals["name"], Address: vals["address"], ServicePhone: vals["service_phone"], TimeZone: vals["time_zone"]}
}

// renderStation renders one station's page; v carries a refused form's input and message.
func (s *server) renderStation(w http.ResponseWriter, r *http.Request, status int, id int64, v views.StationView) {
	p, err := s.Stations.Page(r.Context(), actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Page = p
	if v.Values == nil {
		st := p.Station
		v.Values = map[string]string{"name": st.Name, "address": st.Address, "service_phone": st.ServicePhone, "time_zone": st.TimeZone}
	}
	s.render(w, r, status, views.AdminStation(s.page(r, "station.title"), v))
}

// handleStation is one station's page: profile, move, deactivate or reactivate, history.
func (s *server) handleStation() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.renderStation(w, r, http.StatusOK, id, views.StationView{Confirm: r.URL.Query().Get("confirm") == "deactivate"})
	}
}

// stationDone answers a station form: back to the station with a flash, or the page
// again with the refusal (field messages, or the message on top) and the input kept.
func (s *server) stationDone(w http.ResponseWriter, r *http.Request, id int64, vals map[string]string, err error, okKey string) {
	if err != nil {
		ref, ok := refusalOf(err)
		if !ok && apperr.CodeOf(err) == apperr.Invalid {
			ref, ok = refusal{status: http.StatusUnprocessableEntity, key: apperr.As(err).Key, data: apperr.As(err).Data}, true
		}
		if !ok {
			s.fail(w, r, err)
			return
		}
		v := views.StationView{Errors: ref.fields, ErrorKey: ref.key, ErrorData: localizeData(r.Context(), ref.data)}
		if _, edit := vals["name"]; edit {
			v.Values = vals
		}
		s.renderStation(w, r, ref.status, id, v)
		return
	}
	s.flash(r, "ok", okKey)
	redirect(w, r, "/admin/stations/"+strconv.FormatInt(id, 10))
}

// handleEditStation saves a station's name, address, service phone and time zone.
func (s *server) handleEditStation() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		vals := postValues(r)
		err = s.Stations.Edit(r.Context(), actor(r), id, stationProfile(vals))
		s.stationDone(w, r, id, vals, err, "station.saved")
	}
}

// handleMoveStation hangs an outlet under another centre.
func (s *server) handleMoveStation() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		errs := map[string]string{}
		centre := number(errs, "parent_id", r.PostFormValue("parent_id"))
		if err = formErr(errs); err == nil {
			err = s.Stations.Move(r.Context(), actor(r), id, centre)
		}
		s.stationDone(w, r, id, nil, err, "station.moved")
	}
}

// handleStationActive deactivates or reactivates a station.
func (s *server) handleStationActive(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		key := "station.reactivated"
		if active {
			err = s.Stations.Reactivate(r.Context(), actor(r), id)
		} else {
			key = "station.deactivated"
			err = s.Stations.Deactivate(r.Context(), actor(r), id)
		}
		s.stationDone(w, r, id, nil, err, key)
	}
}
