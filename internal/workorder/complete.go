package workorder

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/attach"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/aftersales/aftersales/internal/fee"
	"github.com/aftersales/aftersales/internal/maintenance"
	"github.com/jackc/pgx/v5"
)

// Report is the field report of Complete.
type Report struct {
	Diagnosis     string
	FaultCause    string
	ActionsTaken  string
	TestRun       string
	UsageGuidance bool
	// Signature is the customer's signature drawn on the pad (PNG); without one (drawn
	// now or staged), NoSignatureReason is required (a signature is never forced).
	Signature         []byte
	NoSignatureReason string
	// Photos are the job's photos (JPEG, PNG or WebP); with those already attached and
	// those staged, at most attach.MaxPhotos.
	Photos [][]byte
	// PartsUsed maps part ids to the quantity used: only parts issued to this order
	// (through requisitions) and not returned or recorded as used before.
	PartsUsed map[int64]int
	// FieldClass classifies the job's field work (one of FieldClasses); required.
	FieldClass string
	// Rating is the customer's optional rating, 1–5.
	Rating *int
	Note   string

	// FormKey is the completion form's one-time key (see attach.MaxFormKey): the same form
	// sent twice completes once, and the files of a refused post are staged under it.
	FormKey string
	// Staged are files staged by an earlier refused post of this form, to keep; a
	// signature drawn now replaces a staged one.
	Staged []int64
	// Unstage are staged files the technician removed.
	Unstage []int64
	// Unreadable are fields the form's decoding could not read (field → catalog key). The
	// report is refused with them, the files that passed their checks being staged.
	Unreadable map[string]string
}

// ValidFormKey reports whether k can be a form's one-time key: 1–64 letters, digits,
// '-' or '_'.
func ValidFormKey(k string) bool {
	if k == "" || len(k) > attach.MaxFormKey {
		return false
	}
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// setOnce records key for field unless the field already has a message.
func setOnce(f map[string]string, field, key string) {
	if _, ok := f[field]; !ok {
		f[field] = key
	}
}

// Complete files the field report (the assigned technician). Required: diagnosis, cause,
// actions, test-run result, the job's field class (FieldClasses), and a signature or the reason there is none; photos and the
// signature are checked (type, size, pixels, count) and saved in the same transaction,
// with the files kept from an earlier refused post of the same form. The callback falls
// due by CallbackDue: 2 hours after a job with no test run, 3 hours when the fix is
// unsure, else after the configured number of working days (all configurable).
//
// A report refused with field messages (Invalid) keeps the files that passed their checks
// staged under the form's key, for the retry (see StagedFiles). The same form sent again
// after it completed returns the order unchanged.
func (s *Service) Complete(ctx context.Context, actor auth.Actor, id int64, version int, r Report) (Order, error) {
	// The files are checked and thumbnailed before the transaction: decoding is the slow
	// part and needs no lock.
	fileErrs := map[string]string{}
	var sig *attach.Checked
	if len(r.Signature) > 0 {
		c, err := attach.Check(attach.Signature, r.Signature)
		if err != nil {
			for k, v := range apperr.As(err).Fields {
				setOnce(fileErrs, k, v)
			}
		} else {
			sig = &c
		}
	}
	var photos []attach.Checked
	for _, p := range r.Photos {
		c, err := attach.Check(attach.Photo, p)
		if err != nil {
			for k, v := range apperr.As(err).Fields {
				setOnce(fileErrs, k, v)
			}
			continue
		}
		photos = append(photos, c)
	}
	keyOK := ValidFormKey(r.FormKey)
	form := attach.Form{OrderID: id, UserID: actor.UserID, Key: r.FormKey}
	keep := slices.DeleteFunc(slices.Clone(r.Staged), func(id int64) bool { return slices.Contains(r.Unstage, id) })
	slices.Sort(keep)
	keep = slices.Compact(keep)

	// The retry fingerprint names the files by their hashes, not their bytes.
	fp := struct {
		R         Report
		Photos    []string
		Signature string
	}{R: r}
	fp.R.Photos, fp.R.Signature = nil, nil
	for _, p := range r.Photos {
		sum := sha256.Sum256(p)
		fp.Photos = append(fp.Photos, hex.EncodeToString(sum[:]))
	}
	if len(r.Signature) > 0 {
		sum := sha256.Sum256(r.Signature)
		fp.Signature = hex.EncodeToString(sum[:])
	}
	o, err := s.transition(ctx, actor, id, version, Complete, fp, func(tx pgx.Tx, o *Order, st Settings, now time.Time) (string, map[string]any, error) {
		f := required("diagnosis", r.Diagnosis, "fault_cause", r.FaultCause, "actions_taken", r.ActionsTaken)
		for k, v := range r.Unreadable {
			setOnce(f, k, v)
		}
		checkLengths(f, "diagnosis", r.Diagnosis, "fault_cause", r.FaultCause, "actions_taken", r.ActionsTaken,
			"no_signature_reason", r.NoSignatureReason, "note", r.Note)
		if !oneOf(r.TestRun, TestRuns) {
			setOnce(f, "test_run", "field.required")
		}
		if !oneOf(r.FieldClass, FieldClasses) {
			setOnce(f, "field_class", "workorder.field.field_class_required")
		}
		if r.Rating != nil && (*r.Rating < 1 || *r.Rating > 5) {
			setOnce(f, "rating", "workorder.field.rating")
		}
		for k, v := range fileErrs {
			setOnce(f, k, v)
		}
		// The files kept from a refused post of this form: all of them must still be there.
		var kept []attach.Staged
		if len(keep) > 0 {
			if keyOK && len(keep) <= attach.MaxPhotos+1 {
				var err error
				if kept, err = s.files.LockStaged(ctx, tx, form, keep); err != nil {
					return "", nil, err
				}
			}
			if len(kept) != len(keep) {
				setOnce(f, "photos", "attach.staged_gone")
			}
		}
		var promote []int64
		keptSignature, keptPhotos := false, 0
		for _, k := range kept {
			switch {
			case k.Kind == attach.Signature && len(r.Signature) > 0:
				// Drawn again: the new signature replaces the staged one.
			case k.Kind == attach.Signature:
				keptSignature = true
				promote = append(promote, k.ID)
			default:
				keptPhotos++
				promote = append(promote, k.ID)
			}
		}
		signed := len(r.Signature) > 0 || keptSignature
		if !signed && strings.TrimSpace(r.NoSignatureReason) == "" {
			setOnce(f, "no_signature_reason", "workorder.field.signature_or_reason")
		}
		existing, err := photoCount(ctx, tx, o.ID)
		if err != nil {
			return "", nil, err
		}
		if existing+keptPhotos+len(r.Photos) > attach.MaxPhotos {
			f["photos"] = "attach.too_many"
		}
		for part, q := range r.PartsUsed {
			if q < 0 {
				f["parts_used"] = "workorder.field.parts_used_too_many"
				continue
			}
			if q == 0 {
				continue
			}
			left, err := partsLeft(ctx, tx, o.ID, part)
			if err != nil {
				return "", nil, err
			}
			if q > left {
				f["parts_used"] = "workorder.field.parts_used_too_many"
			}
		}
		if err := invalid(f); err != nil {
			return "", nil, err
		}
		used := 0
		for part, q := range r.PartsUsed {
			if q <= 0 {
				continue
			}
			used += q
			if err := addPartsUsed(ctx, tx, o.ID, part, q); err != nil {
				return "", nil, err
			}
		}
		// The signature first, then the photos kept from the refused post, then the new ones.
		if sig != nil {
			if _, err := s.files.Save(ctx, tx, o.ID, actor.UserID, now, *sig); err != nil {
				return "", nil, err
			}
		}
		if err := s.files.SaveStaged(ctx, tx, promote, actor.UserID, now); err != nil {
			return "", nil, err
		}
		for _, c := range photos {
			if _, err := s.files.Save(ctx, tx, o.ID, actor.UserID, now, c); err != nil {
				return "", nil, err
			}
		}
		if err := s.files.DropStaged(ctx, tx, o.ID); err != nil {
			return "", nil, err
		}
		o.Diagnosis, o.FaultCause, o.ActionsTaken = strings.TrimSpace(r.Diagnosis), strings.TrimSpace(r.FaultCause), strings.TrimSpace(r.ActionsTaken)
		o.TestRun, o.UsageGuidance, o.Signed, o.Rating = ptr(r.TestRun), r.UsageGuidance, signed, r.Rating
		o.FieldClass = ptr(r.FieldClass)
		o.NoSignatureReason = ""
		if !signed {
			o.NoSignatureReason = strings.TrimSpace(r.NoSignatureReason)
		}
		o.CompletedAt = ptr(now)
		// Out-of-warranty work is quoted now (visit, labour, parts used), so a callback
		// cannot close the order before its fees are settled.
		fees, err := fee.Refresh(ctx, tx, o.ID, actor.UserID, now)
		if err != nil {
			return "", nil, err
		}
		o.FeesState = fees
		o.CallbackDueAt = ptr(CallbackDue(st, s.loc, r.TestRun, now))
		// A completed maintenance moves the unit's plan to its next due date.
		if o.ServiceType == "maintenance" && o.UnitID != nil {
			if err := maintenance.CompletedTx(ctx, tx, o.ID, *o.UnitID, actor.UserID, now, s.loc); err != nil {
				return "", nil, err
			}
		}
		return strings.TrimSpace(r.Note), map[string]any{"test_run": r.TestRun, "field_class": r.FieldClass, "signed": signed, "photos": keptPhotos + len(photos), "parts_used": used,
			"callback_due_at": *o.CallbackDueAt}, nil
	})
	if err != nil && keyOK && len(apperr.As(err).Fields) > 0 {
		if serr := s.stage(ctx, actor, form, sig, photos, r.Unstage); serr != nil {
			return Order{}, serr
		}
	}
	return o, err
}

// stage keeps the files of a refused report that passed their checks for the retry of
// its form, drops the staged files the technician removed, and purges stale ones. Only
// while the actor may still complete the order; photos beyond the order's limit are not
// kept.
func (s *Service) stage(ctx context.Context, actor auth.Actor, form attach.Form, sig *attach.Checked, photos []attach.Checked, unstage []int64) error {
	return db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		o, err := lockOrder(ctx, tx, form.OrderID)
		if err != nil {
			return err
		}
		if !visible(o, actor) {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		if _, err := Next(o.facts(0), Complete, machineActor(actor)); err != nil {
			return nil // nothing to retry any more
		}
		now := s.now()
		if err := s.files.PurgeStaged(ctx, tx, now.Add(-attach.StagedTTL)); err != nil {
			return err
		}
		if err := s.files.Unstage(ctx, tx, form, unstage); err != nil {
			return err
		}
		if sig != nil {
			if _, err := s.files.Stage(ctx, tx, form, now, *sig); err != nil {
				return err
			}
		}
		staged, err := s.files.LockStaged(ctx, tx, form, nil)
		if err != nil {
			return err
		}
		existing, err := photoCount(ctx, tx, o.ID)
		if err != nil {
			return err
		}
		have := map[string]bool{}
		room := attach.MaxPhotos - existing
		for _, f := range staged {
			if f.Kind == attach.Photo {
				have[f.SHA256] = true
				room--
			}
		}
		for _, c := range photos {
			if have[c.SHA256] {
				continue
			}
			if room <= 0 {
				break
			}
			if _, err := s.files.Stage(ctx, tx, form, now, c); err != nil {
				return err
			}
			have[c.SHA256] = true
			room--
		}
		return nil
	})
}

// StagedFiles describes the files the actor's refused post of the completion form
// (formKey) kept for its retry; none for a key that cannot name a form.
func (s *Service) StagedFiles(ctx context.Context, actor auth.Actor, orderID int64, formKey string) ([]attach.Staged, error) {
	if !ValidFormKey(formKey) {
		return nil, nil
	}
	return s.files.StagedFiles(ctx, attach.Form{OrderID: orderID, UserID: actor.UserID, Key: formKey})
}

// StagedFile returns a staged file (or its thumbnail) to the user who staged it, while
// they may see its order; NotFound for anyone else.
func (s *Service) StagedFile(ctx context.Context, actor auth.Actor, orderID, id int64, thumb bool) (attach.Staged, []byte, error) {
	if _, err := s.OrderByID(ctx, actor, orderID); err != nil {
		return attach.Staged{}, nil, err
	}
	return s.files.OpenStaged(ctx, orderID, actor.UserID, id, thumb)
}
