package server

import (
	"io/fs"
	"net/http"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/web/static"
	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes lists every route of the app, each with its role guard.
func (s *server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.requestID, s.logRequests, s.recoverPanics, s.observe, securityHeaders)

	// Operations: no session, no CSRF (GET only).
	r.Get("/healthz", handleHealthz())
	r.Get("/readyz", s.handleReadyz())
	r.With(s.metricsGuard).Handle("/metrics", promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}))
	staticFS, _ := fs.Sub(static.FS, ".")
	r.Handle("/static/*", http.StripPrefix("/static/", staticCache(http.FileServerFS(staticFS))))

	r.Group(func(r chi.Router) {
		r.Use(s.Sessions.LoadAndSave, s.idleSessions, s.loadActor, s.locale, s.crossOrigin, s.cleanInput)
		r.NotFound(s.notFound)
		r.MethodNotAllowed(s.methodNotAllowed)

		r.Get("/signin", s.handleSignInPage())
		r.Post("/signin", s.handleSignIn())
		r.Post("/lang", s.handleLanguage())

		r.Group(func(r chi.Router) {
			r.Use(s.requireSignIn)
			r.Get("/", s.handleHome())
			r.Post("/signout", s.handleSignOut())
			// Live updates for open pages (Server-Sent Events), filtered to what the user sees.
			r.Get("/events", s.handleEvents())
			if s.Floor != nil {
				r.Handle("/_floor/page", s.Floor)
			}

			// Hotline: repair intake.
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(auth.RoleHotline))
				r.Get("/intake", s.handleIntakePage())
				r.Get("/intake/lookup", s.handleIntakeLookup())
				r.Get("/intake/customer", s.handleIntakeCustomer())
				r.Post("/intake", s.handleIntake())
			})
			// Orders: the list for the office; the order page also for technicians (their own).
			r.With(s.requireRole(auth.RoleHotline, auth.RoleSupervisor, auth.RoleManager)).Get("/orders", s.handleOrders())
			r.With(s.requireRole(auth.RoleHotline, auth.RoleSupervisor, auth.RoleManager)).Get("/orders.xlsx", s.handleOrdersExport())
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(auth.RoleHotline, auth.RoleSupervisor, auth.RoleManager, auth.RoleTechnician))
				r.Get("/orders/{id}", s.handleOrder())
				r.Get("/orders/{id}/report", s.handleReport())
				r.Post("/orders/{id}/complete", s.handleComplete())
				r.Post("/orders/{id}/{transition}", s.handleOrderAction())
				r.Get("/attachments/{id}", s.handleAttachment(false))
				r.Get("/attachments/{id}/thumb", s.handleAttachment(true))
				r.Get("/orders/{id}/staged/{file}", s.handleStagedFile(false))
				r.Get("/orders/{id}/staged/{file}/thumb", s.handleStagedFile(true))
			})
			// Technicians: my jobs (我的工单); the order page is their job page.
			r.With(s.requireRole(auth.RoleTechnician)).Get("/jobs", s.handleMyJobs())
			// Daily reports (日报): technicians file their own on the tablet; supervisors and
			// managers read, comment and review those of their stations.
			r.With(s.requireRole(auth.RoleTechnician)).Get("/daily-reports/today", s.handleDailyToday())
			r.With(s.requireRole(auth.RoleTechnician)).Post("/daily-reports/today", s.handleSubmitDaily())
			r.With(s.requireRole(auth.RoleSupervisor, auth.RoleManager)).Get("/daily-reports", s.handleDailyList())
			r.With(s.requireRole(auth.RoleSupervisor, auth.RoleManager, auth.RoleTechnician)).Get("/daily-reports/{id}", s.handleDailyReport())
			r.With(s.requireRole(auth.RoleSupervisor, auth.RoleManager)).Post("/daily-reports/{id}/{step}", s.handleDailyStep())
			// Next week's plans (下周工作计划): technicians their own, supervisors and
			// managers those of their stations' technicians.
			r.With(s.requireRole(auth.RoleTechnician)).Get("/weekplan", s.handleMyWeekPlan())
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(auth.RoleTechnician, auth.RoleSupervisor, auth.RoleManager))
				r.Get("/weekplans/{tech}/{week}", s.handleWeekPlan())
				r.Post("/weekplans/{tech}/{week}/{action}", s.handleWeekPlanAction())
			})
			r.With(s.requireRole(auth.RoleSupervisor, auth.RoleManager)).Get("/weekplans", s.handleWeekPlans())
			// Supervisors and managers: the work board (派工看板).
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(auth.RoleSupervisor, auth.RoleManager))
				r.Get("/board", s.handleBoard())
				r.Get("/board/assign/{id}", s.handleAssignPage())
				r.Post("/board/move", s.handleBoardMove())
				r.Get("/assessments", s.handleAssessments())
				r.Get("/technicians/{id}", s.handleTechnicianRecord())
			})
			// Reports (报表): managers for their stations, supervisors for their own.
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(auth.RoleManager, auth.RoleSupervisor))
				r.Get("/reports", s.handleReports())
				r.Get("/reports.xlsx", s.handleReportsExport())
			})
			// Daily reconciliation (对账): managers reconcile their stations' technicians,
			// supervisors read.
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(auth.RoleManager, auth.RoleSupervisor))
				r.Get("/reconciliation", s.handleReconciliation())
				r.Get("/reconciliation.xlsx", s.handleReconExport())
				r.Get("/reconciliation/technicians/{id}", s.handleReconTechnician())
			})
			r.With(s.requireRole(auth.RoleManager)).Post("/reconciliation/technicians/{id}/{action}", s.handleReconAction())
			// Receivables (应收款): fees owed on orders closed unreachable; managers write
			// them off, the hotline and managers record the payment on the fees page.
			r.With(s.requireRole(auth.RoleManager, auth.RoleHotline)).Get("/receivables", s.handleReceivables())
			// Parts ledger (配件台账). Storekeepers keep it; managers look; supervisors
			// approve requisitions; technicians ask for parts for their own orders.
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(auth.RoleStorekeeper, auth.RoleManager, auth.RoleSupervisor))
				r.Get("/parts", s.handleStock())
				r.Get("/parts/ledger/{id}", s.handlePartLedger())
				r.Get("/parts/requisitions", s.handleRequisitions())
				r.Post("/parts/requisitions/{id}/{action}", s.handleRequisitionAction())
			})
			r.With(s.requireRole(auth.RoleTechnician, auth.RoleSupervisor)).Post("/orders/{id}/requisitions", s.handleRequest())
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(auth.RoleStorekeeper, auth.RoleManager))
				// catalog and purchase plan
				r.Get("/parts/catalog", s.handleCatalog())
				r.Get("/parts/catalog.xlsx", s.handleCatalogExport())
				r.Post("/parts/catalog/import", s.handleCatalogImport())
				r.Get("/parts/plan", s.handlePlan())
				r.Get("/parts/plan.xlsx", s.handlePlanExport())
				// receipts and stocktakes
				r.Get("/parts/receipts", s.handleReceipts())
				r.Post("/parts/receipts", s.handleCreateReceipt())
				r.Get("/parts/receipts/{id}", s.handleReceipt())
				r.Post("/parts/receipts/{id}/return", s.handleReturnToSupplier())
				r.Get("/parts/stocktakes", s.handleStocktakes())
				r.Post("/parts/stocktakes", s.handleOpenStocktake())
				r.Get("/parts/stocktakes/{id}", s.handleStocktake())
				r.Post("/parts/stocktakes/{id}", s.handleSaveCounts())
				r.Post("/parts/stocktakes/{id}/post", s.handlePostStocktake())
			})
			// Complaints (投诉): logged by the office; the list and pages for everyone, each
			// seeing what complaint.Scope allows (technicians and storekeepers: their own).
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(auth.RoleHotline, auth.RoleSupervisor, auth.RoleManager))
				r.Get("/complaints/new", s.handleComplaintNew())
				r.Post("/complaints", s.handleCreateComplaint())
			})
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(auth.RoleHotline, auth.RoleSupervisor, auth.RoleManager, auth.RoleTechnician, auth.RoleStorekeeper))
				r.Get("/complaints", s.handleComplaints())
				r.Get("/complaints/{id}", s.handleComplaint(false))
				r.Get("/complaints/{id}/print", s.handleComplaint(true))
				r.Post("/complaints/{id}/{step}", s.handleComplaintStep())
			})
			// Technical notices (技术通知): issued and closed by headquarters, worked through
			// by each station's supervisors and managers (the service checks who).
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(auth.RoleSupervisor, auth.RoleManager, auth.RoleAdmin))
				r.Get("/notices", s.handleNotices())
				r.Post("/notices", s.handleIssueNotice())
				r.Get("/notices/{id}", s.handleNotice(false))
				r.Get("/notices/{id}/print", s.handleNotice(true))
				r.Get("/notices/{id}/files/{file}", s.handleNoticeFile())
				r.Post("/notices/{id}/{action}", s.handleNoticeAction())
			})
			// Fault feedback (故障反馈): reported from a job by its technician or a supervisor,
			// handled by supervisors, managers and HQ (the service asks the machine).
			r.With(s.requireRole(auth.RoleTechnician, auth.RoleSupervisor)).Post("/orders/{id}/faults", s.handleReportFault())
			r.With(s.requireRole(auth.RoleSupervisor, auth.RoleManager, auth.RoleAdmin)).Get("/faults", s.handleFaults())
			r.With(s.requireRole(auth.RoleSupervisor, auth.RoleManager, auth.RoleAdmin)).Post("/faults/{id}/{step}", s.handleFaultStep())
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(auth.RoleTechnician, auth.RoleSupervisor, auth.RoleManager, auth.RoleAdmin))
				r.Get("/faults/{id}", s.handleFault())
				r.Get("/faults/photos/{id}", s.handleFaultPhoto(false))
				r.Get("/faults/photos/{id}/thumb", s.handleFaultPhoto(true))
			})
			// Callbacks (回访): the queue and the callbacks that fell due for the office, attempts
			// and surveys by the hotline.
			r.With(s.requireRole(auth.RoleHotline, auth.RoleSupervisor, auth.RoleManager)).Get("/callbacks", s.handleCallbacks())
			r.With(s.requireRole(auth.RoleHotline, auth.RoleSupervisor, auth.RoleManager)).Get("/callbacks/due", s.handleCallbacksDue())
			r.With(s.requireRole(auth.RoleHotline)).Post("/callbacks/{id}", s.handleRecordCallback())
			// Customer proposals (客户提案): logged and told by the office, decided by
			// supervisors and managers (the service asks the machine).
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(auth.RoleHotline, auth.RoleSupervisor, auth.RoleManager))
				r.Get("/proposals", s.handleProposals())
				r.Get("/proposals/new", s.handleNewProposalPage())
				r.Post("/proposals", s.handleLogProposal())
				r.Get("/proposals/{id}", s.handleProposal())
				r.Post("/proposals/{id}/{action}", s.handleProposalAction())
			})
			// Manager settings: SLA, callbacks, calendar, the fee schedule, the
			// proposals' award levels and the maintenance job's days ahead.
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(auth.RoleManager))
				r.Get("/settings", s.handleSettings())
				r.Post("/settings", s.handleSaveSettings())
				r.Post("/settings/calendar", s.handleAddCalendarDay())
				r.Post("/settings/calendar/{day}/delete", s.handleDeleteCalendarDay())
				r.Get("/settings/fees", s.handleFeeSchedule())
				r.Post("/settings/fees", s.handleSaveFeeItem())
				r.Post("/settings/fees/{id}/deactivate", s.handleDeactivateFeeItem())
				r.Get("/settings/complaints", s.handleComplaintRules())
				r.Post("/settings/complaints", s.handleSaveComplaintRules())
				r.Get("/settings/daily-reports", s.handleDailyRules())
				r.Post("/settings/daily-reports", s.handleSaveDailyRules())
				r.Get("/settings/maintenance", s.handleMaintSettings())
				r.Post("/settings/maintenance", s.handleSaveMaintSettings())
				r.Get("/settings/proposals", s.handleAwardLevels())
				r.Post("/settings/proposals", s.handleSaveAwardLevel())
				r.Post("/settings/proposals/{id}/active", s.handleSetAwardLevelActive())
			})
			// An order's fees: quote, confirmation, settlement.
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(auth.RoleHotline, auth.RoleSupervisor, auth.RoleManager, auth.RoleTechnician))
				r.Get("/orders/{id}/fees", s.handleOrderFees())
				r.Post("/orders/{id}/fees/lines", s.handleAddFeeLine())
				r.Post("/orders/{id}/fees/lines/{line}/delete", s.handleDeleteFeeLine())
				r.Post("/orders/{id}/fees/confirm", s.handleConfirmQuote())
				r.Post("/orders/{id}/fees/settle", s.handleSettle())
			})
			// Customer archive (客户档案).
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(auth.RoleHotline, auth.RoleSupervisor, auth.RoleManager))
				r.Get("/customers", s.handleCustomers())
				r.Get("/customers/{id}", s.handleCustomer())
				r.Get("/customers/{id}/edit", s.handleCustomerEditPage())
				r.Post("/customers/{id}/edit", s.handleCustomerEdit())
				r.Get("/units/{id}", s.handleUnit())
				r.Post("/units/{id}/maintenance", s.handleSetMaintPlan())
				r.Post("/units/{id}/maintenance/end", s.handleEndMaintPlan())
				// Maintenance due (保养计划): overdue and this month's units.
				r.With(s.requireRole(auth.RoleSupervisor, auth.RoleManager)).Get("/maintenance", s.handleMaintenance())
			})

			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(auth.RoleAdmin))
				r.Get("/admin/users", s.handleAdminUsers())
				r.Post("/admin/users", s.handleCreateUser())
				r.Get("/admin/users/{id}", s.handleAdminUser())
				r.Post("/admin/users/{id}/password", s.handleResetPassword())
				r.Post("/admin/users/{id}/unlock", s.handleUnlock())
				r.Post("/admin/users/{id}/deactivate", s.handleSetActive(false))
				r.Post("/admin/users/{id}/activate", s.handleSetActive(true))
			})
		})
	})
	return r
}

// navFor is the role-aware navigation: the screens each role opens every day.
func navFor(role auth.Role) []navEntry {
	items := []navEntry{{"/", "nav.home"}}
	switch role {
	case auth.RoleHotline:
		items = append(items, navEntry{"/intake", "nav.intake"}, navEntry{"/complaints/new", "nav.complaint_new"}, navEntry{"/orders", "nav.orders"},
			navEntry{"/callbacks", "nav.callbacks"}, navEntry{"/complaints", "nav.complaints"}, navEntry{"/proposals", "nav.proposals"},
			navEntry{"/customers", "nav.customers"}, navEntry{"/receivables", "nav.receivables"})
	case auth.RoleSupervisor:
		items = append(items, navEntry{"/board", "nav.board"}, navEntry{"/assessments", "nav.assessments"},
			navEntry{"/weekplans", "weekplan.nav.list"}, navEntry{"/orders", "nav.orders"}, navEntry{"/callbacks", "nav.callbacks"}, navEntry{"/complaints", "nav.complaints"},
			navEntry{"/notices", "notice.nav"}, navEntry{"/faults", "fault.nav"}, navEntry{"/maintenance", "maint.nav"},
			navEntry{"/proposals", "nav.proposals"}, navEntry{"/parts/requisitions", "nav.requisitions"}, navEntry{"/customers", "nav.customers"},
			navEntry{"/reports", "nav.reports"}, navEntry{"/daily-reports", "daily.nav"})
	case auth.RoleManager:
		// The day's close (日报, 周计划) and the receivables are reached from 对账 (and the
		// home page), keeping the menu on one line.
		items = append(items, navEntry{"/board", "nav.board"}, navEntry{"/orders", "nav.orders"}, navEntry{"/reconciliation", "recon.nav"}, navEntry{"/callbacks", "nav.callbacks"},
			navEntry{"/complaints", "nav.complaints"}, navEntry{"/proposals", "nav.proposals"},
			navEntry{"/customers", "nav.customers"}, navEntry{"/parts", "nav.parts"}, navEntry{"/reports", "nav.reports"}, navEntry{"/settings", "nav.settings"})
	case auth.RoleTechnician:
		items = append(items, navEntry{"/jobs", "nav.jobs"}, navEntry{"/weekplan", "weekplan.nav.mine"})
	case auth.RoleStorekeeper:
		items = append(items, navEntry{"/parts", "nav.parts"}, navEntry{"/parts/requisitions", "nav.requisitions"},
			navEntry{"/parts/receipts", "nav.receipts"}, navEntry{"/parts/stocktakes", "nav.stocktakes"},
			navEntry{"/parts/catalog", "nav.catalog"}, navEntry{"/parts/plan", "nav.plan"})
	case auth.RoleAdmin:
		items = append(items, navEntry{"/admin/users", "nav.admin_users"}, navEntry{"/notices", "notice.nav"}, navEntry{"/faults", "fault.nav"})
	}
	return items
}

// homeMoreFor are the screens a role reaches from its home page besides the menu's:
// the manager's day's close, receivables, technical notices and faults, kept off a menu that
// must fit one line.
func homeMoreFor(role auth.Role) []navEntry {
	if role == auth.RoleManager {
		return []navEntry{{"/daily-reports", "daily.nav"}, {"/weekplans", "weekplan.nav.list"}, {"/receivables", "nav.receivables"}, {"/notices", "notice.nav"}, {"/faults", "fault.nav"}}
	}
	return nil
}

type navEntry struct{ Href, Key string }
