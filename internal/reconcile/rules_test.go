package reconcile

import (
	"slices"
	"testing"
	"time"
)

func ptr[T any](v T) *T { return &v }

// clean is a job with nothing to reconcile.
func clean() Job {
	return Job{OrderID: 1, Signed: true, Diagnosis: "温控阀卡滞", FaultCause: "阀芯磨损", ActionsTaken: "更换温控阀",
		TestRun: ptr("done"), FieldClass: ptr("after_sales"), ReturnedAt: ptr(time.Now())}
}

func kinds(fs []Found) []Kind {
	var out []Kind
	for _, f := range fs {
		out = append(out, f.Kind)
	}
	return out
}

func TestCheck(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Job)
		want []Kind
	}{
		{"clean", func(*Job) {}, nil},
		{"unsigned with a reason", func(j *Job) { j.Signed, j.NoSignatureReason = false, "客户不在现场" }, nil},
		{"unsigned without a reason", func(j *Job) { j.Signed = false }, []Kind{NoSignature}},
		{"report incomplete", func(j *Job) { j.Diagnosis, j.TestRun = "", nil }, []Kind{ReportIncomplete}},
		{"not returned", func(j *Job) { j.ReturnedAt = nil }, []Kind{NotReturned}},
		{"quoted on the tablet, not settled", func(j *Job) { j.TabletQuoteFen = ptr(int64(30000)) }, []Kind{CashUnsettled}},
		{"quoted and settled", func(j *Job) {
			j.TabletQuoteFen, j.SettledFen, j.SettleMethod = ptr(int64(30000)), ptr(int64(30000)), ptr("wechat")
		}, nil},
		{"cash not handed", func(j *Job) { j.SettledFen, j.SettleMethod = ptr(int64(30000)), ptr("cash") }, []Kind{CashNotHanded}},
		{"cash handed short", func(j *Job) {
			j.SettledFen, j.SettleMethod, j.HandedFen = ptr(int64(30000)), ptr("cash"), ptr(int64(20000))
		}, []Kind{CashNotHanded}},
		{"cash handed in full", func(j *Job) {
			j.SettledFen, j.SettleMethod, j.HandedFen = ptr(int64(30000)), ptr("cash"), ptr(int64(30000))
		}, nil},
		{"rated 非常满意, callback 不满意", func(j *Job) {
			j.Signed, j.NoSignatureReason, j.Rating = false, "客户不在", ptr(5)
			j.CallbackOverall, j.CallbackSatisfied = ptr(2), ptr(false)
		}, []Kind{CallbackContradicts}},
		{"signed, callback not satisfied", func(j *Job) { j.CallbackOverall, j.CallbackSatisfied = ptr(3), ptr(false) }, []Kind{CallbackContradicts}},
		{"signed, callback satisfied", func(j *Job) { j.CallbackOverall, j.CallbackSatisfied = ptr(4), ptr(true) }, nil},
		{"unsigned, unrated, callback not satisfied", func(j *Job) {
			j.Signed, j.NoSignatureReason = false, "客户不在"
			j.CallbackOverall, j.CallbackSatisfied = ptr(1), ptr(false)
		}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := clean()
			c.edit(&j)
			if got := kinds(Check(j)); !slices.Equal(got, c.want) {
				t.Fatalf("Check = %v, want %v", got, c.want)
			}
		})
	}
}

func TestMerge(t *testing.T) {
	accept := Accept
	at := time.Now()
	found := []Found{{OrderID: 2, Kind: NotReturned}, {OrderID: 1, Kind: NoSignature}}
	stored := []Line{
		{ID: 10, OrderID: 1, Kind: NoSignature, Resolution: &accept, Note: "客户拒签", ResolvedAt: &at},
		{ID: 11, OrderID: 1, Kind: NotReturned},                                         // gone, unresolved: dropped
		{ID: 12, OrderID: 2, Kind: CashNotHanded, Resolution: &accept, ResolvedAt: &at}, // gone, resolved: kept
	}
	got := Merge(found, stored, false, []int64{2, 1})
	var ids []int64
	for _, l := range got {
		ids = append(ids, l.ID)
	}
	if !slices.Equal(ids, []int64{0, 12, 10}) || Unresolved(got) != 1 {
		t.Fatalf("open day lines %v (unresolved %d), want [0 12 10] with 1 unresolved", ids, Unresolved(got))
	}
	if closed := Merge(found, stored, true, nil); len(closed) != 3 {
		t.Fatalf("closed day has %d lines, want the 3 stored", len(closed))
	}
}
