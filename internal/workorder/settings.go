package workorder

import (
	"context"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/calendar"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// Settings are the numbers the workflow rules use (docs/domain.md), editable by the manager.
type Settings struct {
	SLAUrgentContactMinutes      int             `db:"sla_urgent_contact_minutes"`
	SLAUrgentArriveMinutes       int             `db:"sla_urgent_arrive_minutes"`
	SLANormalContactWorkdays     int             `db:"sla_normal_contact_workdays"`
	SLANormalArriveWorkdays      int             `db:"sla_normal_arrive_workdays"`
	SLARepairMinutes             int             `db:"sla_repair_minutes"`
	RepairWarrantyDays           int             `db:"repair_warranty_days"`
	CallbackAfterGuidanceMinutes int             `db:"callback_after_guidance_minutes"`
	CallbackAfterUnsureMinutes   int             `db:"callback_after_unsure_minutes"`
	CallbackAfterNoTestMinutes   int             `db:"callback_after_no_test_minutes"`
	CallbackAfterRepairWorkdays  int             `db:"callback_after_repair_workdays"`
	CallbackAttemptLimit         int             `db:"callback_attempt_limit"`
	WorkDayStart                 time.Duration   `db:"work_day_start"`
	WorkDayEnd                   time.Duration   `db:"work_day_end"`
	Weekend                      []int32         `db:"weekend"`
	Holidays                     []calendar.Date `db:"-"`
	Workdays                     []calendar.Date `db:"-"`
}

// loadSettings reads the settings row and the calendar's exceptions.
func loadSettings(ctx context.Context, q pgx.Tx) (Settings, error) {
	var st Settings
	var start, end pgtype.Time
	err := q.QueryRow(ctx, `SELECT sla_urgent_contact_minutes, sla_urgent_arrive_minutes, sla_normal_contact_workdays,
		sla_normal_arrive_workdays, sla_repair_minutes, repair_warranty_days, callback_after_guidance_minutes,
		callback_after_unsure_minutes, callback_after_no_test_minutes, callback_after_repair_workdays, callback_attempt_limit,
		work_day_start, work_day_end, weekend FROM settings WHERE id = 1`).Scan(
		&st.SLAUrgentContactMinutes, &st.SLAUrgentArriveMinutes, &st.SLANormalContactWorkdays,
		&st.SLANormalArriveWorkdays, &st.SLARepairMinutes, &st.RepairWarrantyDays, &st.CallbackAfterGuidanceMinutes,
		&st.CallbackAfterUnsureMinutes, &st.CallbackAfterNoTestMinutes, &st.CallbackAfterRepairWorkdays, &st.CallbackAttemptLimit,
		&start, &end, &st.Weekend)
	if err != nil {
		return st, db.Translate(err, "settings")
	}
	st.WorkDayStart, st.WorkDayEnd = time.Duration(start.Microseconds)*time.Microsecond, time.Duration(end.Microseconds)*time.Microsecond
	st.Holidays, st.Workdays, err = calendar.LoadDays(ctx, q)
	return st, db.Translate(err, "calendar")
}

// calendar is the business calendar the settings describe, in loc.
func (st Settings) calendar(loc *time.Location) calendar.Calendar {
	c := calendar.Calendar{Loc: loc, DayStart: st.WorkDayStart, DayEnd: st.WorkDayEnd, Holidays: st.Holidays, Workdays: st.Workdays}
	for _, d := range st.Weekend {
		c.Weekend = append(c.Weekend, time.Weekday(d))
	}
	return c
}

// Settings returns the current settings.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	var st Settings
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		st, err = loadSettings(ctx, tx)
		return err
	})
	return st, err
}

// UpdateSettings saves the numbers and the working week. Managers only (Forbidden);
// Invalid with field keys for numbers out of range. The calendar's holidays and adjusted
// days are added and removed one by one (AddCalendarDay, DeleteCalendarDay), so saving
// this form can never drop a day another manager just added.
func (s *Service) UpdateSettings(ctx context.Context, actor auth.Actor, st Settings) error {
	if !actor.Is(auth.RoleManager) {
		return apperr.New(apperr.Forbidden, "error.forbidden_role", "Roles", "manager")
	}
	fields := map[string]string{}
	positive := map[string]int{
		"sla_urgent_contact_minutes": st.SLAUrgentContactMinutes, "sla_urgent_arrive_minutes": st.SLAUrgentArriveMinutes,
		"sla_normal_contact_workdays": st.SLANormalContactWorkdays, "sla_normal_arrive_workdays": st.SLANormalArriveWorkdays,
		"sla_repair_minutes": st.SLARepairMinutes, "callback_after_guidance_minutes": st.CallbackAfterGuidanceMinutes,
		"callback_after_unsure_minutes": st.CallbackAfterUnsureMinutes, "callback_after_no_test_minutes": st.CallbackAfterNoTestMinutes,
		"callback_after_repair_workdays": st.CallbackAfterRepairWorkdays,
		"callback_attempt_limit":         st.CallbackAttemptLimit,
	}
	for k, v := range positive {
		if v <= 0 {
			fields[k] = "settings.field.positive"
		}
	}
	if st.RepairWarrantyDays < 0 {
		fields["repair_warranty_days"] = "settings.field.positive"
	}
	if err := (calendar.Calendar{Loc: time.UTC, DayStart: st.WorkDayStart, DayEnd: st.WorkDayEnd}).Validate(); err != nil {
		fields["calendar"] = "settings.field.calendar"
	}
	if len(fields) > 0 {
		return apperr.Fields(fields)
	}
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		// The same form posted again changes nothing more.
		if fresh, _, err := db.ClaimFormKey(ctx, tx, actor.UserID, s.now()); err != nil || !fresh {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE settings SET sla_urgent_contact_minutes = $1, sla_urgent_arrive_minutes = $2,
			sla_normal_contact_workdays = $3, sla_normal_arrive_workdays = $4, sla_repair_minutes = $5, repair_warranty_days = $6,
			callback_after_guidance_minutes = $7, callback_after_unsure_minutes = $8, callback_after_repair_workdays = $9,
			callback_attempt_limit = $10, work_day_start = make_time(0, 0, 0) + $11 * interval '1 second',
			work_day_end = make_time(0, 0, 0) + $12 * interval '1 second', weekend = $13, updated_at = $14, updated_by = $15,
			callback_after_no_test_minutes = $16 WHERE id = 1`,
			st.SLAUrgentContactMinutes, st.SLAUrgentArriveMinutes, st.SLANormalContactWorkdays, st.SLANormalArriveWorkdays,
			st.SLARepairMinutes, st.RepairWarrantyDays, st.CallbackAfterGuidanceMinutes, st.CallbackAfterUnsureMinutes,
			st.CallbackAfterRepairWorkdays, st.CallbackAttemptLimit, int(st.WorkDayStart.Seconds()), int(st.WorkDayEnd.Seconds()),
			st.Weekend, s.now(), actor.UserID, st.CallbackAfterNoTestMinutes)
		if err != nil {
			return db.Translate(err, "update settings")
		}
		return nil
	})
}
