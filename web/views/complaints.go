package views

import (
	"context"
	"strings"

	"github.com/aftersales/aftersales/internal/complaint"
	"github.com/aftersales/aftersales/internal/fee"
	"github.com/aftersales/aftersales/internal/i18n"
)

// complaintDueValue is the deadline the assign form starts with: what was typed, else the
// current deadline, else the one the severity gives from now.
func complaintDueValue(ctx context.Context, v ComplaintView, step complaint.Step) string {
	if !v.fresh(step) {
		return v.Values["due_at"]
	}
	if v.Complaint.DueAt != nil {
		return localInput(ctx, *v.Complaint.DueAt)
	}
	if !v.DefaultDue.IsZero() {
		return localInput(ctx, v.DefaultDue)
	}
	return ""
}

// complaintOr is what a refused form sent back, else the complaint's current value.
func complaintOr(sent string, fresh bool, current string) string {
	if fresh {
		return current
	}
	return sent
}

// complaintPaidHow shows "transfer · 工行转账" as the method's words and the note.
func complaintPaidHow(ctx context.Context, how string) string {
	method, note, _ := strings.Cut(how, " · ")
	out := i18n.T(ctx, "complaint.pay."+method)
	if note != "" {
		out += " · " + note
	}
	return out
}

// complaintYuan shows fen for an amount input.
func complaintYuan(fen int64) string { return fee.FenInput(fen) }
