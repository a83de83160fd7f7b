package server

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/i18n"
	"github.com/aftersales/aftersales/internal/parts"
	"github.com/aftersales/aftersales/web/views"
)

// catalogMaxUpload is the largest workbook the catalog import accepts.
const catalogMaxUpload = 5 << 20

// catalogFilter reads the catalog's filters from the query.
func catalogFilter(q url.Values) parts.CatalogFilter {
	f := parts.CatalogFilter{Query: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), After: q.Get("after")}
	switch f.Status {
	case parts.CatalogAll, parts.CatalogInactive:
	default:
		f.Status = parts.CatalogActive
	}
	return f
}

// renderCatalog renders the catalog page (status 200, or the refused import's status).
func (s *server) renderCatalog(w http.ResponseWriter, r *http.Request, status int, v views.CatalogView) {
	q := r.URL.Query()
	v.Filter = catalogFilter(q)
	v.Query = q
	v.CanImport = parts.CanImportCatalog(actor(r))
	page, err := s.Parts.ListCatalog(r.Context(), actor(r), v.Filter)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Page = page
	s.render(w, r, status, views.Catalog(s.page(r, "catalog.title"), v))
}

// handleCatalog is the parts catalog (配件目录): search, pages by code, import form.
func (s *server) handleCatalog() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.renderCatalog(w, r, http.StatusOK, views.CatalogView{})
	}
}

// catalogAttachment sets the headers of a downloaded workbook named filename (RFC 5987 for
// the Chinese name, with an ASCII fallback for old clients).
func catalogAttachment(w http.ResponseWriter, filename, fallback string) {
	w.Header().Set("Content-Type", parts.XLSXContentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+fallback+`"; filename*=UTF-8''`+url.PathEscape(filename))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
}

// handleCatalogExport downloads the whole catalog as 配件目录.xlsx.
func (s *server) handleCatalogExport() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		list, err := s.Parts.ExportCatalog(r.Context(), actor(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		b, err := parts.WriteXLSX("配件目录", parts.CatalogColumns, parts.CatalogRows(list))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.sendWorkbook(w, r, b, "配件目录.xlsx", "parts-catalog.xlsx")
	}
}

// handleCatalogImport imports an uploaded workbook (field "file"): every row is checked
// first; any bad row imports nothing and the page lists them all (422).
func (s *server) handleCatalogImport() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, a := r.Context(), actor(r)
		if !parts.CanImportCatalog(a) {
			// The service says who may import (Forbidden).
			_, _, err := s.Parts.ImportCatalog(ctx, a, nil)
			s.fail(w, r, err)
			return
		}
		refuse := func(status int, key string, data map[string]any) {
			s.renderCatalog(w, r, status, views.CatalogView{ImportErrorKey: key, ImportErrorData: data})
		}
		r.Body = http.MaxBytesReader(w, r.Body, catalogMaxUpload+64<<10)
		if err := r.ParseMultipartForm(catalogMaxUpload); err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				refuse(http.StatusRequestEntityTooLarge, "catalog.import.too_big", map[string]any{"Max": "5 MB"})
				return
			}
			refuse(http.StatusUnprocessableEntity, "catalog.import.no_file", nil)
			return
		}
		defer func() { _ = r.MultipartForm.RemoveAll() }()
		file, header, err := r.FormFile("file")
		if err != nil {
			refuse(http.StatusUnprocessableEntity, "catalog.import.no_file", nil)
			return
		}
		defer file.Close()
		if header.Size > catalogMaxUpload {
			refuse(http.StatusRequestEntityTooLarge, "catalog.import.too_big", map[string]any{"Max": "5 MB"})
			return
		}
		rows, err := parts.ReadXLSX(file)
		if err == nil {
			var added, updated int
			added, updated, err = s.Parts.ImportCatalog(ctx, a, rows)
			if err == nil {
				s.flashData(r, "catalog.import.done", map[string]any{"Added": added, "Updated": updated})
				redirect(w, r, "/parts/catalog")
				return
			}
		}
		if rowErrs, ok := errors.AsType[parts.RowErrors](err); ok {
			s.renderCatalog(w, r, http.StatusUnprocessableEntity, views.CatalogView{
				ImportErrorKey: "catalog.import.invalid", ImportErrorData: map[string]any{"Count": len(rowErrs)}, RowErrors: rowErrs})
			return
		}
		if e := apperr.As(err); e.Code == apperr.Invalid {
			refuse(http.StatusUnprocessableEntity, e.Key, e.Data)
			return
		}
		s.fail(w, r, err)
	}
}

// handlePlan is the purchase plan (采购计划): parts at or under their reorder point.
func (s *server) handlePlan() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lines, err := s.Parts.PurchasePlan(r.Context(), actor(r), s.Now())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, views.Plan(s.page(r, "plan.title"), views.PlanView{Lines: lines, Total: parts.PlanTotal(lines)}))
	}
}

// handlePlanExport downloads the purchase plan as 采购计划-YYYYMMDD.xlsx.
func (s *server) handlePlanExport() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		now := s.Now()
		lines, err := s.Parts.PurchasePlan(r.Context(), actor(r), now)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		b, err := parts.WriteXLSX("采购计划", parts.PlanColumns, parts.PlanRows(lines))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		day := now.In(i18n.Location(r.Context())).Format("20060102")
		s.sendWorkbook(w, r, b, "采购计划-"+day+".xlsx", "purchase-plan-"+day+".xlsx")
	}
}
