// Package server is the HTTP layer: it decodes forms, calls one service method and
// renders a templ view. Every route is in routes.go.
package server

import (
	"context"
	"github.com/aftersales/aftersales/internal/accesslog"
	"github.com/aftersales/aftersales/internal/custdata"
	"log/slog"
	"net/http"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/config"
	"github.com/aftersales/aftersales/internal/customer"
	"github.com/aftersales/aftersales/internal/dailyreport"
	"github.com/aftersales/aftersales/internal/fault"
	"github.com/aftersales/aftersales/internal/fee"
	"github.com/aftersales/aftersales/internal/fieldday"
	"github.com/aftersales/aftersales/internal/live"
	"github.com/aftersales/aftersales/internal/loaner"
	"github.com/aftersales/aftersales/internal/maintenance"
	"github.com/aftersales/aftersales/internal/notice"
	"github.com/aftersales/aftersales/internal/onboard"
	"github.com/aftersales/aftersales/internal/online"
	"github.com/aftersales/aftersales/internal/org"
	"github.com/aftersales/aftersales/internal/outbox"
	"github.com/aftersales/aftersales/internal/parts"
	"github.com/aftersales/aftersales/internal/proposal"
	"github.com/aftersales/aftersales/internal/reconcile"
	"github.com/aftersales/aftersales/internal/report"
	"github.com/aftersales/aftersales/internal/settings"
	"github.com/aftersales/aftersales/internal/tools"
	"github.com/aftersales/aftersales/internal/weekplan"
	"github.com/aftersales/aftersales/internal/workorder"
	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Deps are what the server needs; main builds them once.
type Deps struct {
	Config   config.Config
	Pool     *pgxpool.Pool
	Logger   *slog.Logger
	Sessions *scs.SessionManager
	Auth     *auth.Service
	// Customers keeps the customer archive; Orders owns the work-order workflow.
	Customers *customer.Service
	Orders    *workorder.Service
	// Parts keeps the parts ledger.
	Parts *parts.Service
	// Fees keeps the fee schedule and the orders' fees and settlements.
	Fees *fee.Service
	// Settings keeps the stations' settings and business calendars (built from Pool and
	// Now when nil).
	Settings *settings.Service
	// Complaints keeps complaints and claims (built from Pool, Now and the configured time
	// zone when nil).
	Complaints *complaint.Service
	// Notices keeps technical notices (built from Pool, Now, the time zone and Orders when nil).
	Notices *notice.Service
	// Faults keeps fault feedback to quality (built from Pool, Now and the configured time
	// zone when nil).
	Faults *fault.Service
	// Proposals keeps customers' proposals (客户提案) and their award levels.
	Proposals *proposal.Service
	// Reports reads the managers' report (built from Pool, Now and the configured time
	// zone when nil).
	Reports *report.Service
	// DailyReports keeps the technicians' daily reports (built from Pool, Now and the
	// configured time zone when nil).
	DailyReports *dailyreport.Service
	// WeekPlans keeps technicians' plans of next week (built from Pool, Now and the
	// configured time zone when nil).
	WeekPlans *weekplan.Service
	// Reconcile keeps the managers' daily reconciliation (built from Pool, Now and the
	// configured time zone when nil).
	Reconcile *reconcile.Service
	// Maint keeps units' maintenance plans (built from Pool, Now, the configured time zone
	// and Orders when nil).
	Maint *maintenance.Service
	// Onboard imports and exports customers with their units (built from Pool, Now, the
	// configured time zone and Orders when nil).
	Onboard *onboard.Service
	// Stations keeps the station tree (built from Pool and Now when nil).
	Stations *org.Service
	// Tools keeps the tools ledger; Loaners the loaner units; FieldDay the safety
	// meetings and pre-departure checks (each built from Pool, Now and the configured time
	// zone when nil).
	Tools    *tools.Service
	Loaners  *loaner.Service
	FieldDay *fieldday.Service
	// CustData exports and anonymises a customer's data (built from Pool and Now when nil).
	CustData *custdata.Service
	// Access keeps the access log (built from Pool, Now and the configured time zone when nil).
	Access *accesslog.Service
	// Online serves the customers' label, report and progress pages and the office's
	// labels and progress links (built from Pool, Now, the time zone and Orders when nil).
	Online *online.Service
	// Outbox shows the messages to customers to the office (built from Pool, Now and
	// Online when nil); the sender loop runs in main.
	Outbox *outbox.Service
	// Live fans order changes out to open boards (Server-Sent Events).
	Live *live.Hub
	// Now is the one clock (time.Now in production).
	Now func() time.Time
	// Floor, when set (bench mode only), is the same-size floor page, served at
	// /_floor/page behind the session middleware and sign-in like every page.
	Floor http.Handler
}

// metrics are the Prometheus collectors of one server.
type metrics struct {
	registry *prometheus.Registry
	latency  *prometheus.HistogramVec
}

func newMetrics() *metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	lat := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "http_request_duration_seconds",
		Help:    "HTTP request latency by route pattern, method and status.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route", "method", "status"})
	reg.MustRegister(lat)
	return &metrics{registry: reg, latency: lat}
}

// server holds the dependencies the handlers close over.
type server struct {
	Deps
	metrics *metrics
}

// NewServer returns the whole app as one http.Handler.
func NewServer(d Deps) http.Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Settings == nil {
		d.Settings = settings.NewService(d.Pool, d.Now)
	}
	if d.Maint == nil {
		d.Maint = maintenance.NewService(d.Pool, d.Now, d.Config.Location, d.Orders.MaintenanceOrderTx)
	}
	if d.Onboard == nil {
		d.Onboard = onboard.NewService(d.Pool, d.Now, d.Config.Location, d.Orders)
	}
	if d.Online == nil {
		d.Online = online.NewService(d.Pool, d.Now, d.Config.Location, d.Orders)
	}
	if d.Outbox == nil {
		d.Outbox = outbox.NewService(d.Pool, d.Now, ProgressURL(d.Config.BaseURL, d.Online))
	}
	if d.Complaints == nil {
		d.Complaints = complaint.NewService(d.Pool, d.Now, d.Config.Location)
	}
	if d.Notices == nil {
		d.Notices = notice.NewService(d.Pool, d.Now, d.Config.Location, d.Orders)
	}
	if d.Faults == nil {
		d.Faults = fault.NewService(d.Pool, d.Now, d.Config.Location)
	}
	if d.Stations == nil {
		d.Stations = org.NewService(d.Pool, d.Now)
	}
	if d.Reconcile == nil {
		d.Reconcile = reconcile.NewService(d.Pool, d.Now, d.Config.Location)
	}
	if d.Reports == nil {
		d.Reports = report.NewService(d.Pool, d.Now, d.Config.Location)
	}
	if d.DailyReports == nil {
		d.DailyReports = dailyreport.NewService(d.Pool, d.Now, d.Config.Location)
	}
	if d.WeekPlans == nil {
		d.WeekPlans = weekplan.NewService(d.Pool, d.Now, d.Config.Location)
	}
	if d.Tools == nil {
		d.Tools = tools.NewService(d.Pool, d.Now, d.Config.Location)
	}
	if d.Loaners == nil {
		d.Loaners = loaner.NewService(d.Pool, d.Now, d.Config.Location)
	}
	if d.FieldDay == nil {
		d.FieldDay = fieldday.NewService(d.Pool, d.Now, d.Config.Location)
	}
	if d.CustData == nil {
		d.CustData = custdata.NewService(d.Pool, d.Now)
	}
	if d.Access == nil {
		d.Access = accesslog.NewService(d.Pool, d.Now, d.Config.Location)
	}
	s := &server{Deps: d, metrics: newMetrics()}
	return s.routes()
}

// ready reports whether the database answers.
func (s *server) ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return s.Pool.Ping(ctx)
}
