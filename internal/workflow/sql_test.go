package workflow

import "testing"

func TestStateSQL(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{StateIs("o", Assessing), "o.state = 'assessing'"},
		{StateIs("o", Dispatched, AwaitingParts, InWorkshop), "o.state IN ('dispatched', 'awaiting_parts', 'in_workshop')"},
		{StateIsNot("o", Cancelled), "o.state <> 'cancelled'"},
		{StateIsNot("w", Closed, Cancelled), "w.state NOT IN ('closed', 'cancelled')"},
		{StateColumnIs("e.to_state", AwaitingParts), "e.to_state = 'awaiting_parts'"},
		{StateColumnIs("state", PartsStates...), "state IN ('dispatched', 'scheduled', 'in_progress', 'awaiting_parts', 'in_workshop')"},
		{StateColumnIsNot("e.from_state", Received, Closed), "e.from_state NOT IN ('received', 'closed')"},
		{OpenSQL("o"), "o.state NOT IN ('closed', 'cancelled')"},
		{AwaitingCallback.SQL(), "'awaiting_callback'"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestStateSQLRefusesUnknownState(t *testing.T) {
	for name, f := range map[string]func(){
		"none":    func() { StateIs("o") },
		"unknown": func() { StateIs("o", State("x' OR true --")) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
}
