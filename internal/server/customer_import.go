package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/aftersales/aftersales/internal/onboard"
	"github.com/aftersales/aftersales/internal/parts"
	"github.com/aftersales/aftersales/web/views"
	"github.com/go-chi/chi/v5"
)

// importListLimit is how many earlier imports the import page lists.
const importListLimit = 20

// renderImportPage renders the import page (导入客户) with status and what went wrong.
func (s *server) renderImportPage(w http.ResponseWriter, r *http.Request, status int, v views.ImportPageView) {
	a := actor(r)
	stations, err := s.Auth.Stations(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	imports, err := s.Onboard.Imports(r.Context(), a, importListLimit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Stations, v.Imports = stations, imports
	s.render(w, r, status, views.ImportPage(s.page(r, "import.title"), v))
}

// handleImportPage is the import page: template, upload, export, earlier imports.
func (s *server) handleImportPage() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.renderImportPage(w, r, http.StatusOK, views.ImportPageView{})
	}
}

// handleImportTemplate downloads the empty workbook with the headers and an example row.
func (s *server) handleImportTemplate() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		row := make([]any, len(onboard.ExampleRow))
		for i, v := range onboard.ExampleRow {
			row[i] = v
		}
		b, err := parts.WriteXLSX("客户", onboard.Headers(), [][]any{row})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		catalogAttachment(w, "客户导入模板.xlsx", "customer-import-template.xlsx")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		_, _ = w.Write(b)
	}
}

// handleCustomerExport downloads a station's customers (?station=) in the import's
// columns, one row per unit.
func (s *server) handleCustomerExport() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a := actor(r)
		station := a.StationID
		if v := r.URL.Query().Get("station"); v != "" {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				s.fail(w, r, apperr.New(apperr.NotFound, "error.not_found"))
				return
			}
			station = id
		}
		list, err := s.Onboard.ExportRows(r.Context(), a, station)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		rows := make([][]any, len(list))
		for i, l := range list {
			rows[i] = make([]any, len(l))
			for j, v := range l {
				rows[i][j] = v
			}
		}
		b, err := parts.WriteXLSX("客户", onboard.Headers(), rows)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		day := s.Now().In(i18n.Location(r.Context())).Format("20060102")
		s.sendWorkbook(w, r, b, "客户档案-"+day+".xlsx", "customers-"+day+".xlsx")
	}
}

// importFileKey is the import's own message for a refusal of the workbook reader.
func importFileKey(key string) string {
	if suffix, ok := strings.CutPrefix(key, "catalog.import."); ok {
		return "import.file." + suffix
	}
	return key
}

// handleImportUpload stages an uploaded workbook (field "file") for the station
// (field "station_id") and shows its preview; a wrong header is refused here (422).
func (s *server) handleImportUpload() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, a := r.Context(), actor(r)
		v := views.ImportPageView{}
		refuse := func(status int, key string, data map[string]any) {
			v.ErrorKey, v.ErrorData = key, data
			s.renderImportPage(w, r, status, v)
		}
		r.Body = http.MaxBytesReader(w, r.Body, onboard.MaxUpload+64<<10)
		if err := r.ParseMultipartForm(onboard.MaxUpload); err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				refuse(http.StatusRequestEntityTooLarge, "import.file.too_big", map[string]any{"Max": onboard.MaxUploadLabel})
				return
			}
			refuse(http.StatusUnprocessableEntity, "import.file.no_file", nil)
			return
		}
		defer func() { _ = r.MultipartForm.RemoveAll() }()
		station, err := strconv.ParseInt(r.FormValue("station_id"), 10, 64)
		if err != nil {
			refuse(http.StatusUnprocessableEntity, "import.station_required", nil)
			return
		}
		v.StationID = station
		file, header, err := r.FormFile("file")
		if err != nil {
			refuse(http.StatusUnprocessableEntity, "import.file.no_file", nil)
			return
		}
		defer file.Close()
		if header.Size > onboard.MaxUpload {
			refuse(http.StatusRequestEntityTooLarge, "import.file.too_big", map[string]any{"Max": onboard.MaxUploadLabel})
			return
		}
		cells, err := parts.ReadXLSX(file)
		if err != nil {
			if e := apperr.As(err); e.Code == apperr.Invalid {
				refuse(http.StatusUnprocessableEntity, importFileKey(e.Key), e.Data)
				return
			}
			s.fail(w, r, err)
			return
		}
		key, err := s.Onboard.Stage(ctx, a, station, header.Filename, cells)
		if err != nil {
			if hp, ok := errors.AsType[onboard.HeaderProblems](err); ok {
				v.HeaderProblems = hp
				refuse(http.StatusUnprocessableEntity, "import.header.invalid", map[string]any{"Count": len(hp)})
				return
			}
			if e := apperr.As(err); e.Code == apperr.Invalid {
				refuse(http.StatusUnprocessableEntity, e.Key, e.Data)
				return
			}
			s.fail(w, r, err)
			return
		}
		redirect(w, r, "/customers/import/"+key)
	}
}

// renderImportPreview renders the staged import under the path's key (or, once
// confirmed, its result), with status and a refusal's message.
func (s *server) renderImportPreview(w http.ResponseWriter, r *http.Request, status int, errKey string, errData map[string]any) {
	p, err := s.Onboard.Preview(r.Context(), actor(r), chi.URLParam(r, "key"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	title := "import.preview.title"
	if p.Imported {
		title = "import.result.title"
	}
	s.render(w, r, status, views.ImportPreview(s.page(r, title), views.ImportPreviewView{Preview: p, ErrorKey: errKey, ErrorData: errData}))
}

// handleImportPreview is the preview of a staged import (or its result once confirmed).
func (s *server) handleImportPreview() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.renderImportPreview(w, r, http.StatusOK, "", nil)
	}
}

// handleImportConfirm imports the staged file with the choices on duplicates (field
// "default": merge or skip; "row_N" for sheet row N) and shows the result. The key in the
// path is the form's one-time key: a repeated confirm shows the first result.
func (s *server) handleImportConfirm() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ch := onboard.Choices{Default: r.PostFormValue("default"), Rows: map[int]string{}}
		for k, vs := range r.PostForm {
			if n, ok := strings.CutPrefix(k, "row_"); ok && len(vs) > 0 {
				if row, err := strconv.Atoi(n); err == nil {
					ch.Rows[row] = vs[0]
				}
			}
		}
		key := chi.URLParam(r, "key")
		_, err := s.Onboard.Confirm(r.Context(), actor(r), key, ch)
		if err != nil {
			if e := apperr.As(err); e.Code == apperr.Invalid {
				s.renderImportPreview(w, r, http.StatusUnprocessableEntity, e.Key, e.Data)
				return
			}
			s.fail(w, r, err)
			return
		}
		redirect(w, r, "/customers/import/"+key)
	}
}
