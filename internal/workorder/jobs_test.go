package workorder_test

import (
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/attach"
	"github.com/aftersales/aftersales/internal/demo"
	"github.com/aftersales/aftersales/internal/testkit"
	wo "github.com/aftersales/aftersales/internal/workorder"
)

func orderIDs(orders []wo.Order) map[int64]bool {
	m := map[int64]bool{}
	for _, o := range orders {
		m[o.ID] = true
	}
	return m
}

// TestMyJobsSortsIntoTodayPendingDone: today holds the jobs under way and today's (or
// missed) appointments; pending the other open jobs; done the completions of the last
// 30 days. Only the technician's own, and only technicians.
func TestMyJobsSortsIntoTodayPendingDone(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tech := f.actor("tech1")
	todayAppt := f.orderIn(wo.Scheduled, false) // 12:00 today
	later := f.orderIn(wo.Scheduled, false)
	tomorrow := time.Date(2026, 11, 24, 9, 0, 0, 0, testkit.Shanghai)
	later = f.must(f.svc.Reschedule(f.ctx, tech, later.ID, later.Version, tomorrow, tomorrow.Add(2*time.Hour), "客户改约"))
	underWay := f.orderIn(wo.InProgress, false)
	dispatched := f.orderIn(wo.Dispatched, false)
	parts := f.orderIn(wo.AwaitingParts, false)
	workshop := f.orderIn(wo.InWorkshop, true)
	first := f.orderIn(wo.AwaitingCallback, false)
	f.clock.Advance(time.Hour)
	second := f.orderIn(wo.Closed, false)

	j, err := f.svc.MyJobs(f.ctx, tech)
	if err != nil {
		t.Fatal(err)
	}
	want := func(tab string, got []wo.Order, orders ...wo.Order) {
		t.Helper()
		ids := orderIDs(got)
		if len(got) != len(orders) {
			t.Errorf("%s: %d jobs, want %d", tab, len(got), len(orders))
		}
		for _, o := range orders {
			if !ids[o.ID] {
				t.Errorf("%s lacks order %d (%s)", tab, o.ID, o.State)
			}
		}
	}
	want("today", j.Today, underWay, todayAppt)
	if len(j.Today) > 0 && j.Today[0].ID != underWay.ID {
		t.Error("the job under way is not first")
	}
	want("pending", j.Pending, later, dispatched, parts, workshop)
	if len(j.Pending) > 0 && j.Pending[0].ID != dispatched.ID {
		t.Error("the job still to be booked is not first")
	}
	want("done", j.Done, second, first)
	if len(j.Done) == 2 && j.Done[0].ID != second.ID {
		t.Error("done is not newest first")
	}

	// Tomorrow, the rescheduled appointment is today's; the missed one stays there too.
	f.clock.Set(tomorrow.Add(-time.Hour))
	j, _ = f.svc.MyJobs(f.ctx, tech)
	want("today, a day later", j.Today, underWay, todayAppt, later)
	// A month on, nothing is recent any more.
	f.clock.Advance(31 * 24 * time.Hour)
	if j, _ = f.svc.MyJobs(f.ctx, tech); len(j.Done) != 0 {
		t.Errorf("done after a month: %d", len(j.Done))
	}
	if j, err := f.svc.MyJobs(f.ctx, f.actor("tech2")); err != nil || len(j.Today)+len(j.Pending)+len(j.Done) != 0 {
		t.Errorf("tech2 sees %d+%d+%d jobs (%v)", len(j.Today), len(j.Pending), len(j.Done), err)
	}
	if _, err := f.svc.MyJobs(f.ctx, f.actor("supervisor")); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("supervisor: %v", err)
	}
}

// TestCompleteStagesCheckedFilesForTheRetry: a refused report keeps the files that passed
// their checks under its form's key for that technician and order only; a new signature
// replaces a staged one; staged ids of another form or user do not count; the retry
// saves them with the report in its transaction and clears the order's staged files.
func TestCompleteStagesCheckedFilesForTheRetry(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tech := f.actor("tech1")
	o := f.orderIn(wo.InProgress, false)
	form := attach.Form{OrderID: o.ID, UserID: tech.UserID, Key: "form-1"}
	staged := func(key string) []attach.Staged {
		t.Helper()
		files, err := f.svc.StagedFiles(f.ctx, tech, o.ID, key)
		if err != nil {
			t.Fatal(err)
		}
		return files
	}
	refused := wo.Report{FaultCause: "c", ActionsTaken: "a", FieldClass: "after_sales", TestRun: "done", FormKey: form.Key,
		Signature: demo.Signature(), Photos: [][]byte{jpegBytes(t, 40, 30), []byte("not a photo"), jpegBytes(t, 50, 30)}}
	got := fieldsOf(t, func() error { _, err := f.svc.Complete(f.ctx, tech, o.ID, o.Version, refused); return err }())
	if got["diagnosis"] != "field.required" || got["photos"] != "attach.not_image" {
		t.Errorf("fields %v", got)
	}
	files := staged(form.Key)
	if len(files) != 3 || files[0].Kind != attach.Signature || files[1].Kind != attach.Photo {
		t.Fatalf("staged %+v", files)
	}
	// The same post again (a double tap) stages nothing twice.
	_, _ = f.svc.Complete(f.ctx, tech, o.ID, o.Version, refused)
	if n := len(staged(form.Key)); n != 3 {
		t.Errorf("after a double submit: %d staged", n)
	}
	// Another technician, or another form, does not see them or get them.
	if _, _, err := f.svc.StagedFile(f.ctx, f.actor("tech2"), o.ID, files[1].ID, false); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("tech2 opens a staged photo: %v", err)
	}
	if _, _, err := f.svc.StagedFile(f.ctx, f.actor("supervisor"), o.ID, files[1].ID, true); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("the supervisor opens a staged photo: %v", err)
	}
	if len(staged("form-2")) != 0 {
		t.Error("another form's key lists the files")
	}
	ids := []int64{files[0].ID, files[1].ID, files[2].ID}
	other := wo.Report{Diagnosis: "d", FaultCause: "c", ActionsTaken: "a", FieldClass: "after_sales", TestRun: "done", FormKey: "form-2", Staged: ids}
	if got := fieldsOf(t, func() error { _, err := f.svc.Complete(f.ctx, tech, o.ID, o.Version, other); return err }()); got["photos"] != "attach.staged_gone" {
		t.Errorf("another form's staged ids: %v", got)
	}
	// A new signature replaces the staged one; a removed photo is dropped.
	sig2 := append([]byte(nil), demo.Signature()...)
	sig2 = append(sig2, 0) // the same image, other bytes
	again := refused
	again.Photos, again.Signature, again.Staged, again.Unstage = nil, sig2, ids, []int64{files[2].ID}
	_ = fieldsOf(t, func() error { _, err := f.svc.Complete(f.ctx, tech, o.ID, o.Version, again); return err }())
	files = staged(form.Key)
	if len(files) != 2 || files[0].Kind != attach.Signature || files[0].ID == ids[0] || files[1].ID != ids[1] {
		t.Fatalf("after replacing the signature and removing a photo: %+v", files)
	}
	// The retry: the staged files become the report's, nothing stays staged.
	retry := wo.Report{Diagnosis: "d", FaultCause: "c", ActionsTaken: "a", FieldClass: "after_sales", TestRun: "done", FormKey: form.Key,
		Staged: []int64{files[0].ID, files[1].ID}, Photos: [][]byte{jpegBytes(t, 60, 30)}}
	done := f.must(f.svc.Complete(f.ctx, tech, o.ID, o.Version, retry))
	if !done.Signed || done.State != wo.AwaitingCallback {
		t.Fatalf("signed %v, state %s", done.Signed, done.State)
	}
	saved, _ := f.svc.Files().List(f.ctx, o.ID)
	var left int
	_ = f.pool.QueryRow(f.ctx, `SELECT count(*) FROM staged_uploads WHERE order_id = $1`, o.ID).Scan(&left)
	if len(saved) != 3 || saved[0].Kind != attach.Signature || saved[0].SHA256 != files[0].SHA256 || left != 0 {
		t.Errorf("saved %+v, %d staged left", saved, left)
	}
}
