package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/aftersales/aftersales/internal/weekplan"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/aftersales/aftersales/web/views"
)

// handleBoard shows the work board (派工看板) by state or by technician for a day.
func (s *server) handleBoard() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		v := views.BoardView{View: "state", Query: q, Now: s.Now(), Return: r.URL.RequestURI()}
		if q.Get("view") == "tech" {
			v.View = "tech"
		}
		f := workorder.BoardFilter{Urgency: q.Get("urgency"), ServiceType: q.Get("service_type"), Overdue: q.Get("overdue") == "1", Text: q.Get("q")}
		// The state view shows each column's first cards: only those are read.
		f.FirstOnly = v.View == "state"
		if d := q.Get("day"); d != "" {
			day, err := time.ParseInLocation("2006-01-02", d, i18n.Location(r.Context()))
			if err != nil {
				s.fail(w, r, apperr.Fields(map[string]string{"day": "customer.field.date_invalid"}))
				return
			}
			f.Day = day
		}
		board, err := s.Orders.Board(r.Context(), actor(r), f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.Board = board
		if v.MissingReports, err = s.DailyReports.MissingRecent(r.Context(), actor(r)); err != nil {
			s.fail(w, r, err)
			return
		}
		if v.View == "tech" {
			if v.Plans, err = s.WeekPlans.DayItems(r.Context(), actor(r), weekplan.Day(board.Day, i18n.Location(r.Context()))); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		s.render(w, r, http.StatusOK, views.BoardPage(s.page(r, "board.title"), v))
	}
}

// handleAssignPage is a board card's assign (or reassign) form on its own page: what the
// card's button opens in a browser without JavaScript (with it, the board's one dialog).
// The form posts to /board/move and comes back to the board at the card.
func (s *server) handleAssignPage() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, apperr.New(apperr.NotFound, "error.not_found"))
			return
		}
		back := safeNext(r.URL.Query().Get("return"))
		if back == "/" {
			back = "/board"
		}
		c, err := s.Orders.AssignChoice(r.Context(), actor(r), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		title := "transition.assign"
		if c.Reassign {
			title = "transition.reassign"
		}
		s.render(w, r, http.StatusOK, views.AssignPage(s.page(r, title), views.AssignView{Choice: c, Return: back}))
	}
}

// handleBoardMove assigns or reassigns a card: dropped by script (X-Requested-With:
// fetch → 204, or the status and the message as text), or posted by the card's plain
// form (→ back to the board at the card, #card-<id>, with the outcome as a flash
// message; the board's script focuses that card).
func (s *server) handleBoardMove() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		back := safeNext(r.PostFormValue("return"))
		if back == "/" {
			back = "/board"
		}
		back, _, _ = strings.Cut(back, "#")
		var err error
		id, err1 := strconv.ParseInt(r.PostFormValue("order_id"), 10, 64)
		if err1 == nil {
			back += "#card-" + strconv.FormatInt(id, 10)
		}
		version, err2 := strconv.Atoi(r.PostFormValue("version"))
		tech, err3 := strconv.ParseInt(r.PostFormValue("technician_id"), 10, 64)
		switch {
		case err1 != nil || err2 != nil:
			// Not a card's form: nothing to move.
			err = apperr.New(apperr.Invalid, "error.form_version")
		case err3 != nil:
			err = apperr.Fields(map[string]string{"technician_id": "workorder.field.technician_invalid"})
		default:
			_, err = s.Orders.Move(r.Context(), actor(r), id, version, workorder.State(r.PostFormValue("state")), tech, r.PostFormValue("reason"))
		}
		script := r.Header.Get("X-Requested-With") == "fetch"
		if err == nil {
			if script {
				w.WriteHeader(http.StatusNoContent)
				return
			}
			s.flash(r, "ok", "board.moved")
			redirect(w, r, back)
			return
		}
		e := apperr.As(err)
		if e.Code == apperr.Internal {
			s.fail(w, r, err)
			return
		}
		if len(e.Fields) > 0 {
			// Name the first bad field's problem: technician, then reason.
			for _, f := range []string{"technician_id", "reason"} {
				if k, ok := e.Fields[f]; ok {
					e = &apperr.Error{Code: apperr.Invalid, Key: k}
					break
				}
			}
		}
		if script {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(statusOf(e.Code))
			_, _ = w.Write([]byte(i18n.T(r.Context(), e.Key, localizeData(r.Context(), e.Data))))
			return
		}
		s.flashError(r, e)
		redirect(w, r, back)
	}
}
