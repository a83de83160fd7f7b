package workorder

import "time"

// message is a message to the customer an event puts in the outbox, written by the
// event's own INSERT (insertEvent) so it exists exactly when the event does.
type message struct {
	// Kind is the outbox kind (the catalog template outbox.msg.<kind>).
	Kind      string
	Recipient string
	Params    map[string]any
}

// customerKinds maps the transitions a customer hears of to their message kind: the
// order received, an appointment made or moved, the technician on site, the work done
// (and the survey offered), the survey answered.
var customerKinds = map[string]string{
	"create":                    "received",
	string(MakeAppointment):     "appointment",
	string(Reschedule):          "appointment",
	string(PartsArrived):        "appointment",
	string(CheckIn):             "on_site",
	string(Complete):            "completed",
	string(ResolveByPhone):      "completed",
	string(ResolveRemotely):     "completed",
	string(CallbackSatisfied):   "survey",
	string(CallbackUnsatisfied): "survey",
}

// customerMessage is the message the event name on o sends the customer, nil when the
// customer is not told of it or the order has no contact phone. Its parameters are the
// order's number, the technician's name and the appointment in loc; the station's name
// and service phone and the progress link are filled in when it is sent.
func customerMessage(name string, o *Order, loc *time.Location) *message {
	kind := customerKinds[name]
	to := o.ContactE164
	if to == "" {
		to = o.ContactPhone
	}
	if kind == "" || to == "" {
		return nil
	}
	p := map[string]any{"number": o.Number, "station_id": o.StationID}
	if o.AssigneeName != "" {
		p["technician"] = o.AssigneeName
	}
	if o.AppointmentStart != nil {
		p["appointment"] = o.AppointmentStart.In(loc).Format("01-02 15:04")
		if o.AppointmentEnd != nil {
			p["appointment"] = p["appointment"].(string) + "–" + o.AppointmentEnd.In(loc).Format("15:04")
		}
	}
	return &message{Kind: kind, Recipient: to, Params: p}
}
