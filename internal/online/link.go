package online

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"

	"github.com/aftersales/aftersales/internal/db"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Signer makes and checks the signed links of labels and progress pages. A link is the
// record's id, a number (a label's generation, a progress link's expiry) and an HMAC-SHA256
// of both under a secret kept in the database: it cannot be guessed or changed without
// the secret.
type Signer struct{ key []byte }

// NewSigner returns a signer with key (at least 32 bytes).
func NewSigner(key []byte) Signer { return Signer{key: key} }

// LoadSigner reads the link secret, making it on first use; every process shares it.
func LoadSigner(ctx context.Context, pool *pgxpool.Pool, now time.Time) (Signer, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return Signer{}, err
	}
	var key []byte
	err := pool.QueryRow(ctx, `WITH ins AS (INSERT INTO link_keys (purpose, secret, created_at) VALUES ('links', $1, $2)
		ON CONFLICT (purpose) DO NOTHING RETURNING secret)
		SELECT secret FROM ins UNION ALL SELECT secret FROM link_keys WHERE purpose = 'links' LIMIT 1`, fresh, now).Scan(&key)
	if err != nil {
		return Signer{}, db.Translate(err, "link key")
	}
	return Signer{key: key}, nil
}

// Link kinds, part of what is signed so a label's link never opens a progress page.
const (
	kindLabel    byte = 'L'
	kindProgress byte = 'P'
)

func (s Signer) sign(kind byte, id int64, n int64) string {
	b := make([]byte, 16, 32)
	binary.BigEndian.PutUint64(b[:8], uint64(id))
	binary.BigEndian.PutUint64(b[8:], uint64(n))
	return base64.RawURLEncoding.EncodeToString(append(b, s.mac(kind, b)...))
}

func (s Signer) mac(kind byte, b []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte{kind})
	m.Write(b)
	return m.Sum(nil)[:16]
}

func (s Signer) open(kind byte, token string) (id int64, n int64, ok bool) {
	if len(token) > 64 {
		return 0, 0, false
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) != 32 || len(s.key) == 0 {
		return 0, 0, false
	}
	if !hmac.Equal(b[16:], s.mac(kind, b[:16])) {
		return 0, 0, false
	}
	return int64(binary.BigEndian.Uint64(b[:8])), int64(binary.BigEndian.Uint64(b[8:16])), true
}

// LabelToken is the token of a unit's label of generation gen.
func (s Signer) LabelToken(unitID int64, gen int) string {
	return s.sign(kindLabel, unitID, int64(gen))
}

// ParseLabel reads a label token; ok is false for a forged or garbled one.
func (s Signer) ParseLabel(token string) (unitID int64, gen int, ok bool) {
	id, n, ok := s.open(kindLabel, token)
	return id, int(n), ok
}

// ProgressToken is the token of an order's progress link working until expires.
func (s Signer) ProgressToken(orderID int64, expires time.Time) string {
	return s.sign(kindProgress, orderID, expires.Unix())
}

// ParseProgress reads a progress token; ok is false for a forged, garbled or expired one.
func (s Signer) ParseProgress(token string, now time.Time) (orderID int64, ok bool) {
	id, exp, ok := s.open(kindProgress, token)
	if !ok || now.Unix() >= exp {
		return 0, false
	}
	return id, true
}
