// Package attach keeps the photos and signatures of field reports: it checks uploads
// (type sniffed from the bytes, size, pixel and count limits), makes thumbnails, and
// stores them behind a small interface. The PostgreSQL store writes in the caller's
// transaction, so a report and its files are saved together or not at all; an
// S3-compatible store could implement Store by uploading first and keeping the key.
//
// Files of a refused report that passed their checks are staged: kept for the form's
// retry, visible only to the user who sent them, for that order, and turned into
// attachments when the report is filed.
package attach

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/jpeg"
	_ "image/png" // decoders for thumbnails
	"net/http"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"
)

// Limits on uploads, enforced with field messages.
const (
	MaxPhotoBytes     = 8 << 20 // one photo
	MaxPhotos         = 6       // photos in one report
	MaxSignatureBytes = 1 << 20
	ThumbWidth        = 320
	// MaxPhotoPixels and MaxSignaturePixels bound an image's size as its header states
	// it, checked before anything is decoded (a small file can claim a huge image).
	MaxPhotoPixels     = 40_000_000
	MaxSignaturePixels = 4_000_000
	// StagedTTL is how long a refused form's files are kept for its retry.
	StagedTTL = 24 * time.Hour
	// MaxFormKey is the longest form key.
	MaxFormKey = 64
)

// Kinds of attachment.
const (
	Photo     = "photo"
	Signature = "signature"
)

// File describes a stored attachment.
type File struct {
	ID          int64     `db:"id"`
	OrderID     int64     `db:"order_id"`
	Kind        string    `db:"kind"`
	ContentType string    `db:"content_type"`
	Size        int       `db:"size"`
	SHA256      string    `db:"sha256"`
	CreatedAt   time.Time `db:"created_at"`
}

// Checked is an upload that passed Check, ready to store.
type Checked struct {
	Kind        string
	ContentType string
	Data        []byte
	Thumb       []byte
	SHA256      string
}

// Check validates one upload of kind by its bytes (never the browser's word) and makes
// its thumbnail. The error is Invalid with the field key "photos" or "signature".
func Check(kind string, data []byte) (Checked, error) {
	field, limit, limitKey := "photos", MaxPhotoBytes, "attach.photo_too_big"
	pixels, pixelsKey := int64(MaxPhotoPixels), "attach.photo_too_many_pixels"
	if kind == Signature {
		field, limit, limitKey = "signature", MaxSignatureBytes, "attach.signature_too_big"
		pixels, pixelsKey = MaxSignaturePixels, "attach.signature_too_many_pixels"
	}
	if len(data) == 0 {
		return Checked{}, apperr.Fields(map[string]string{field: "attach.empty"})
	}
	if len(data) > limit {
		return Checked{}, apperr.Fields(map[string]string{field: limitKey})
	}
	ct := http.DetectContentType(data)
	switch {
	case kind == Signature && ct != "image/png":
		return Checked{}, apperr.Fields(map[string]string{field: "attach.signature_not_png"})
	case ct != "image/jpeg" && ct != "image/png" && ct != "image/webp":
		return Checked{}, apperr.Fields(map[string]string{field: "attach.not_image"})
	}
	// The header alone says how big the decoded image would be.
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return Checked{}, apperr.Fields(map[string]string{field: "attach.not_image"})
	}
	if int64(cfg.Width)*int64(cfg.Height) > pixels {
		return Checked{}, apperr.Fields(map[string]string{field: pixelsKey})
	}
	thumb, err := Thumbnail(data)
	if err != nil {
		return Checked{}, apperr.Fields(map[string]string{field: "attach.not_image"})
	}
	sum := sha256.Sum256(data)
	return Checked{Kind: kind, ContentType: ct, Data: data, Thumb: thumb, SHA256: hex.EncodeToString(sum[:])}, nil
}

// Thumbnail decodes a JPEG, PNG or WebP image and returns it at most ThumbWidth wide as
// a JPEG (white behind transparency, so signatures stay legible).
func Thumbnail(data []byte) ([]byte, error) {
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return nil, image.ErrFormat
	}
	if w > ThumbWidth {
		h = h * ThumbWidth / w
		w = ThumbWidth
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, max(h, 1)))
	draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, b, draw.Over, nil)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, dst, &jpeg.Options{Quality: 80}); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// Store keeps attachments.
type Store interface {
	// Save stores c for an order inside the caller's transaction.
	Save(ctx context.Context, tx pgx.Tx, orderID, actorID int64, at time.Time, c Checked) (int64, error)
	// List describes an order's attachments, oldest first.
	List(ctx context.Context, orderID int64) ([]File, error)
	// Open returns one attachment's bytes (or its thumbnail) and description.
	Open(ctx context.Context, id int64, thumb bool) (File, []byte, error)

	// Stage keeps c for the retry of a refused form, inside the caller's transaction. The
	// same file staged again for the form is the same row; a form keeps one signature, the
	// newest.
	Stage(ctx context.Context, tx pgx.Tx, f Form, at time.Time, c Checked) (int64, error)
	// Unstage deletes the form's staged files with these ids; other ids are ignored.
	Unstage(ctx context.Context, tx pgx.Tx, f Form, ids []int64) error
	// LockStaged returns the form's staged files with these ids (all of the form's when
	// ids is nil), locked until the caller's transaction ends. Ids of another form, order
	// or user are left out.
	LockStaged(ctx context.Context, tx pgx.Tx, f Form, ids []int64) ([]Staged, error)
	// SaveStaged turns staged files into attachments of their order, signature first,
	// inside the caller's transaction.
	SaveStaged(ctx context.Context, tx pgx.Tx, ids []int64, actorID int64, at time.Time) error
	// DropStaged deletes an order's staged files, whoever staged them (its report is filed).
	DropStaged(ctx context.Context, tx pgx.Tx, orderID int64) error
	// PurgeStaged deletes the staged files created before before.
	PurgeStaged(ctx context.Context, tx pgx.Tx, before time.Time) error
	// StagedFiles describes a form's staged files: the signature, then photos oldest first.
	StagedFiles(ctx context.Context, f Form) ([]Staged, error)
	// OpenStaged returns a staged file's bytes (or its thumbnail) and description when it
	// was staged by userID for orderID; NotFound otherwise.
	OpenStaged(ctx context.Context, orderID, userID, id int64, thumb bool) (Staged, []byte, error)
}

// PG is the Store in PostgreSQL.
type PG struct{ pool *pgxpool.Pool }

// NewPG returns the PostgreSQL store.
func NewPG(pool *pgxpool.Pool) *PG { return &PG{pool: pool} }

// Save implements Store.
func (s *PG) Save(ctx context.Context, tx pgx.Tx, orderID, actorID int64, at time.Time, c Checked) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO attachments (order_id, kind, content_type, size, sha256, data, thumb, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		orderID, c.Kind, c.ContentType, len(c.Data), c.SHA256, c.Data, c.Thumb, actorID, at).Scan(&id)
	return id, db.Translate(err, "save attachment")
}

// List implements Store.
func (s *PG) List(ctx context.Context, orderID int64) ([]File, error) {
	rows, err := s.pool.Query(ctx, listSQL, orderID)
	if err != nil {
		return nil, db.Translate(err, "attachments")
	}
	files, err := pgx.CollectRows(rows, pgx.RowToStructByName[File])
	return files, db.Translate(err, "attachments")
}

const listSQL = `SELECT id, order_id, kind, content_type, size, sha256, created_at FROM attachments WHERE order_id = $1 ORDER BY id`

// QueueList adds the listing of an order's files to a batch; they land in *dst when the
// batch runs.
func QueueList(b *pgx.Batch, orderID int64, dst *[]File) {
	b.Queue(listSQL, orderID).Query(func(rows pgx.Rows) (err error) {
		*dst, err = pgx.CollectRows(rows, pgx.RowToStructByName[File])
		return err
	})
}

// QueueFiles adds the listing of an order's files to a merged query; they land in *dst
// when it runs.
func QueueFiles(m *db.Merged, orderID int64, dst *[]File) {
	db.Rows(m, listSQL, []any{orderID}, dst)
}

// Open implements Store.
func (s *PG) Open(ctx context.Context, id int64, thumb bool) (File, []byte, error) {
	var f File
	var data, small []byte
	err := s.pool.QueryRow(ctx, `SELECT id, order_id, kind, content_type, size, sha256, created_at, data, thumb FROM attachments WHERE id = $1`, id).
		Scan(&f.ID, &f.OrderID, &f.Kind, &f.ContentType, &f.Size, &f.SHA256, &f.CreatedAt, &data, &small)
	if err != nil {
		return File{}, nil, db.Translate(err, "attachment")
	}
	if thumb && len(small) > 0 {
		f.ContentType = "image/jpeg"
		return f, small, nil
	}
	return f, data, nil
}

// Document is the kind of a document kept beside a record (a calibration certificate):
// a PDF or an image.
const Document = "document"

// MaxDocumentBytes bounds one document.
const MaxDocumentBytes = 10 << 20

// CheckDocument validates a document by its bytes: a PDF of at most MaxDocumentBytes, or
// an image as Check checks a photo (type, size, pixels, thumbnail). The error is Invalid
// with the field key "document".
func CheckDocument(data []byte) (Checked, error) {
	if len(data) == 0 {
		return Checked{}, apperr.Fields(map[string]string{"document": "attach.empty"})
	}
	if len(data) > MaxDocumentBytes {
		return Checked{}, apperr.Fields(map[string]string{"document": "attach.document_too_big"})
	}
	if http.DetectContentType(data) == "application/pdf" {
		sum := sha256.Sum256(data)
		return Checked{Kind: Document, ContentType: "application/pdf", Data: data, SHA256: hex.EncodeToString(sum[:])}, nil
	}
	c, err := Check(Photo, data)
	if err != nil {
		key := apperr.As(err).Fields["photos"]
		if key == "attach.not_image" {
			key = "attach.not_document"
		}
		return Checked{}, apperr.Fields(map[string]string{"document": key})
	}
	c.Kind = Document
	return c, nil
}
