package workorder

import "time"

// The due times of an order's clocks (服务标准, 001 §四; 002 §一.4, §四.6, §六). Every due
// time the workflow sets is computed here, from the settings and the moment the clock
// starts; nothing here reads a clock.

// ContactArriveDue returns when the customer must be contacted and the technician be on
// site, counted from start: the intake, or the reopening of a revisit. Urgent orders count
// minutes, normal ones working days on the business calendar.
func ContactArriveDue(st Settings, loc *time.Location, urgency string, start time.Time) (contact, arrive time.Time) {
	if urgency == "urgent" {
		return start.Add(minutes(st.SLAUrgentContactMinutes)), start.Add(minutes(st.SLAUrgentArriveMinutes))
	}
	cal := st.Calendar(loc)
	return cal.AddWorkingDays(start, st.SLANormalContactWorkdays), cal.AddWorkingDays(start, st.SLANormalArriveWorkdays)
}

// RepairDue returns when the repair must be done, once the technician has arrived: a
// simple fault within the repair minutes of arrival (弱电售后部管理制度 §四.2), a complex
// one by the completion time agreed at assessment (nil when none was agreed).
func RepairDue(st Settings, complexity *string, agreed *time.Time, arrived time.Time) *time.Time {
	if complexity != nil && *complexity == "complex" {
		return agreed
	}
	return ptr(arrived.Add(minutes(st.SLARepairMinutes)))
}

// Why a callback falls due when it does.
const (
	// CallbackAfterGuidance: the customer was helped by phone or remotely (2 h, 002 §一.4).
	CallbackAfterGuidance = "guidance"
)

// CallbackDue returns when the callback falls due after the work ended at done. reason is
// CallbackAfterGuidance, or the field report's test-run result: not_done (no time to test
// run: 2 h, 002 §四.6), unsure (not sure the fault is fixed: 3 h, 002 §六), done (the
// configured working days, 001 §三.4).
func CallbackDue(st Settings, loc *time.Location, reason string, done time.Time) time.Time {
	switch reason {
	case CallbackAfterGuidance:
		return done.Add(minutes(st.CallbackAfterGuidanceMinutes))
	case "not_done":
		return done.Add(minutes(st.CallbackAfterNoTestMinutes))
	case "unsure":
		return done.Add(minutes(st.CallbackAfterUnsureMinutes))
	}
	return st.Calendar(loc).AddWorkingDays(done, st.CallbackAfterRepairWorkdays)
}

func minutes(n int) time.Duration { return time.Duration(n) * time.Minute }
