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
		r.Use(s.Sessions.LoadAndSave, s.idleSessions, s.loadActor, s.locale, s.crossOrigin, s.cleanInput, s.accessOrigin)
		r.NotFound(s.notFound)
		r.MethodNotAllowed(s.methodNotAllowed)

		// Customers without an account (扫码报修, 服务进度): a unit's QR label and an order's
		// progress page, opened by signed links.
		r.Get("/u/{token}", s.handleLabel())
		r.Post("/u/{token}", s.handleSelfReport())
		r.Post("/u/{token}/note", s.handleSelfNote())
		r.Get("/p/{token}", s.handleProgress())
		r.Post("/p/{token}/survey", s.handleSurvey())

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
			// Tools ledger (工具台账): storekeepers and managers keep it, supervisors read it and
			// name an order's tools; loaner units (备用机) are lent by storekeepers,
			// supervisors and managers.
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(auth.RoleStorekeeper, auth.RoleManager, auth.RoleSupervisor))
				r.Get("/tools", s.handleTools())
				r.Get("/tools/{id}", s.handleTool())
				r.Get("/tools/certificates/{id}", s.handleToolCertificate())
				r.Get("/loaners", s.handleLoaners())
				r.Post("/loaners", s.handleAddLoaner())
				r.Post("/loaners/{id}/{action}", s.handleLoanerAction())
			})
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(auth.RoleStorekeeper, auth.RoleManager))
				r.Post("/tools", s.handleAddTool())
				r.Post("/tools/settings", s.handleToolSettings())
				r.Get("/tools/stocktake", s.handleToolCount())
				r.Post("/tools/stocktake", s.handlePostToolCount())
				r.Post("/tools/{id}/{action}", s.handleToolAction())
			})
			// The day's field work: supervisors and managers record the safety meeting (安全会)
			// and keep the kit list; technicians confirm attending and check their kit
			// before leaving for a job (出发前自检).
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(auth.RoleSupervisor, auth.RoleManager))
				r.Get("/safety", s.handleSafety())
				r.Post("/safety", s.handleRecordMeeting())
				r.Post("/safety/kit", s.handleSaveKit())
				r.Post("/orders/{id}/tools", s.handleOrderTools())
			})
			r.With(s.requireRole(auth.RoleTechnician)).Post("/safety/confirm", s.handleConfirmMeeting())
			r.With(s.requireRole(auth.RoleTechnician)).Post("/orders/{id}/departure", s.handleDeparture())
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
			// Manager settings, per station (a manager changes their own station's and the
			// ones below it): SLA, callbacks, calendar, the fee schedule, the
			// proposals' award levels and the maintenance job's days ahead.
			// The station settings also open to admins, who set a company's stations up.
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(auth.RoleManager, auth.RoleAdmin))
				r.Get("/settings", s.handleSettings())
				r.Post("/settings", s.handleSaveSettings())
				r.Post("/settings/reset", s.handleResetSetting())
				r.Post("/settings/calendar", s.handleAddCalendarDay())
				r.Post("/settings/calendar/{day}/delete", s.handleDeleteCalendarDay())
				r.Get("/settings/fees", s.handleFeeSchedule())
				r.Post("/settings/fees", s.handleSaveFeeItem())
				r.Post("/settings/fees/{id}/deactivate", s.handleDeactivateFeeItem())
				r.Post("/settings/fees/{id}/override", s.handleFeeOverride())
				r.Post("/settings/fees/{id}/reset", s.handleFeeReset())
			})
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(auth.RoleManager))
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
			// Customer archive (客户档案). Admins open a customer's page (from the access log)
			// for the customer's data: export and anonymisation, which the service allows
			// managers of the customer's station or above and admins.
			r.With(s.requireRole(auth.RoleHotline, auth.RoleSupervisor, auth.RoleManager, auth.RoleAdmin)).Get("/customers/{id}", s.handleCustomer())
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(auth.RoleManager, auth.RoleAdmin))
				r.Get("/customers/{id}/data.xlsx", s.handleCustomerData())
				r.Get("/customers/{id}/anonymise", s.handleAnonymisePage())
				r.Post("/customers/{id}/anonymise", s.handleAnonymise())
			})
			// Import from and export to spreadsheets (导入/导出客户): managers, and admins
			// setting a company up.
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(auth.RoleManager, auth.RoleAdmin))
				r.Get("/customers/import", s.handleImportPage())
				r.Post("/customers/import", s.handleImportUpload())
				r.Get("/customers/import/template.xlsx", s.handleImportTemplate())
				r.Get("/customers/import/{key}", s.handleImportPreview())
				r.Post("/customers/import/{key}", s.handleImportConfirm())
				r.Get("/customers/export.xlsx", s.handleCustomerExport())
			})
			// QR labels and progress links, for the office.
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(auth.RoleHotline, auth.RoleSupervisor, auth.RoleManager))
				r.Get("/labels", s.handleLabels())
				r.Post("/units/{id}/label/revoke", s.handleRevokeLabel())
				r.Get("/orders/{id}/progress-link", s.handleProgressLink())
				r.Post("/orders/{id}/progress-link", s.handleResendProgress())
			})
			// Messages to customers (消息发送记录): managers and admins see what failed.
			r.With(s.requireRole(auth.RoleManager, auth.RoleAdmin)).Get("/outbox", s.handleOutbox())
			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(auth.RoleHotline, auth.RoleSupervisor, auth.RoleManager))
				r.Get("/customers", s.handleCustomers())
				r.Get("/customers/{id}/edit", s.handleCustomerEditPage())
				r.Post("/customers/{id}/edit", s.handleCustomerEdit())
				r.Get("/units/{id}", s.handleUnit())
				r.Post("/units/{id}/maintenance", s.handleSetMaintPlan())
				r.Post("/units/{id}/maintenance/end", s.handleEndMaintPlan())
				// Maintenance due (保养计划): overdue and this month's units.
				r.With(s.requireRole(auth.RoleSupervisor, auth.RoleManager)).Get("/maintenance", s.handleMaintenance())
			})

			// The access log (访问记录): managers for their stations' records, admins all.
			r.With(s.requireRole(auth.RoleManager, auth.RoleAdmin)).Get("/access-log", s.handleAccessLog())

			r.Group(func(r chi.Router) {
				r.Use(s.requireRole(auth.RoleAdmin))
				r.Get("/admin/users", s.handleAdminUsers())
				r.Post("/admin/users", s.handleCreateUser())
				r.Get("/admin/users/{id}", s.handleAdminUser())
				r.Post("/admin/users/{id}/password", s.handleResetPassword())
				r.Post("/admin/users/{id}/unlock", s.handleUnlock())
				r.Post("/admin/users/{id}/deactivate", s.handleSetActive(false))
				r.Post("/admin/users/{id}/activate", s.handleSetActive(true))
				r.Post("/admin/users/{id}/station", s.handleMoveUser())
				// The station tree (服务站).
				r.Get("/admin/stations", s.handleStations())
				r.Post("/admin/stations", s.handleCreateStation())
				r.Get("/admin/stations/{id}", s.handleStation())
				r.Post("/admin/stations/{id}", s.handleEditStation())
				r.Post("/admin/stations/{id}/move", s.handleMoveStation())
				r.Post("/admin/stations/{id}/deactivate", s.handleStationActive(false))
				r.Post("/admin/stations/{id}/activate", s.handleStationActive(true))
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
			navEntry{"/parts/catalog", "nav.catalog"}, navEntry{"/parts/plan", "nav.plan"},
			navEntry{"/tools", "tool.nav"}, navEntry{"/loaners", "loaner.nav"})
	case auth.RoleAdmin:
		items = append(items, navEntry{"/admin/users", "nav.admin_users"}, navEntry{"/admin/stations", "nav.admin_stations"}, navEntry{"/notices", "notice.nav"}, navEntry{"/faults", "fault.nav"})
	}
	return items
}

// homeMoreFor are the screens a role reaches from its home page besides the menu's:
// the manager's day's close, receivables, technical notices, faults, the customer import,
// the access log and the messages to customers, and the field kit (safety meetings, tools,
// loaners) of managers and supervisors, kept off menus that are already long; the admin's
// station settings, customer import, access log and messages to customers.
func homeMoreFor(role auth.Role) []navEntry {
	switch role {
	case auth.RoleManager:
		return []navEntry{{"/daily-reports", "daily.nav"}, {"/weekplans", "weekplan.nav.list"}, {"/receivables", "nav.receivables"}, {"/notices", "notice.nav"}, {"/faults", "fault.nav"},
			{"/customers/import", "import.nav"}, {"/access-log", "access.nav"}, {"/outbox", "outbox.nav"}, {"/safety", "safety.nav"}, {"/tools", "tool.nav"}, {"/loaners", "loaner.nav"}}
	case auth.RoleSupervisor:
		return []navEntry{{"/safety", "safety.nav"}, {"/tools", "tool.nav"}, {"/loaners", "loaner.nav"}}
	case auth.RoleAdmin:
		return []navEntry{{"/settings", "nav.settings"}, {"/customers/import", "import.nav"}, {"/access-log", "access.nav"}, {"/outbox", "outbox.nav"}}
	}
	return nil
}

type navEntry struct{ Href, Key string }
