package attach

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"runtime"
	"testing"

	"github.com/aftersales/aftersales/internal/apperr"
)

func encode(t *testing.T, w, h int, asPNG bool) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	img.Set(1, 1, color.NRGBA{A: 255})
	var b bytes.Buffer
	var err error
	if asPNG {
		err = png.Encode(&b, img)
	} else {
		err = jpeg.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestCheck(t *testing.T) {
	field := func(err error, name string) string { return apperr.As(err).Fields[name] }
	if _, err := Check(Photo, nil); field(err, "photos") != "attach.empty" {
		t.Errorf("empty: %v", err)
	}
	if _, err := Check(Photo, []byte("%PDF-1.7 not a photo")); field(err, "photos") != "attach.not_image" {
		t.Errorf("pdf: %v", err)
	}
	if _, err := Check(Signature, encode(t, 10, 10, false)); field(err, "signature") != "attach.signature_not_png" {
		t.Errorf("jpeg signature: %v", err)
	}
	big := append(encode(t, 10, 10, false), make([]byte, MaxPhotoBytes)...)
	if _, err := Check(Photo, big); field(err, "photos") != "attach.photo_too_big" {
		t.Errorf("big: %v", err)
	}
	// A PNG header followed by garbage sniffs as PNG but does not decode.
	if _, err := Check(Photo, append([]byte("\x89PNG\r\n\x1a\n"), 1, 2, 3)); field(err, "photos") != "attach.not_image" {
		t.Errorf("broken png: %v", err)
	}
	c, err := Check(Photo, encode(t, 1600, 1200, true))
	if err != nil || c.ContentType != "image/png" || len(c.SHA256) != 64 {
		t.Fatalf("good png: %+v %v", c.ContentType, err)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(c.Thumb))
	if err != nil || cfg.Width != ThumbWidth || cfg.Height != 240 {
		t.Errorf("thumbnail %dx%d %v", cfg.Width, cfg.Height, err)
	}
	// A small image keeps its size.
	c, _ = Check(Photo, encode(t, 100, 50, false))
	if cfg, _ := jpeg.DecodeConfig(bytes.NewReader(c.Thumb)); cfg.Width != 100 || cfg.Height != 50 {
		t.Errorf("small thumbnail %dx%d", cfg.Width, cfg.Height)
	}
}

// claiming returns a small valid PNG whose header says it is w×h pixels: what a
// decompression bomb looks like before it is decoded.
func claiming(t *testing.T, w, h uint32) []byte {
	t.Helper()
	b := encode(t, 8, 8, true)
	// The IHDR chunk: length (4), "IHDR" (4), width (4), height (4), 5 more bytes, CRC.
	binary.BigEndian.PutUint32(b[16:20], w)
	binary.BigEndian.PutUint32(b[20:24], h)
	binary.BigEndian.PutUint32(b[29:33], crc32.ChecksumIEEE(b[12:29]))
	return b
}

func TestCheckRefusesHugeImagesByTheirHeader(t *testing.T) {
	field := func(err error, name string) string { return apperr.As(err).Fields[name] }
	if cfg, err := png.DecodeConfig(bytes.NewReader(claiming(t, 9000, 5000))); err != nil || cfg.Width != 9000 {
		t.Fatalf("the forged header does not read: %+v %v", cfg, err)
	}
	// 45 megapixels claimed by a file of a few hundred bytes.
	if _, err := Check(Photo, claiming(t, 9000, 5000)); field(err, "photos") != "attach.photo_too_many_pixels" {
		t.Errorf("45 MP photo: %v", err)
	}
	if _, err := Check(Signature, claiming(t, 2100, 2000)); field(err, "signature") != "attach.signature_too_many_pixels" {
		t.Errorf("4.2 MP signature: %v", err)
	}
	// At the limit the header passes (the forged body then fails to decode as usual).
	if _, err := Check(Signature, claiming(t, 2000, 2000)); field(err, "signature") != "attach.not_image" {
		t.Errorf("4 MP signature: %v", err)
	}
}

// TestPixelFloodStaysSmall: a photo claiming 30000×30000 pixels and a signature claiming
// 16000² are refused from their headers; checking them allocates next to nothing, where
// decoding would have asked for gigabytes. Not parallel: it measures the process's
// allocations while it runs alone.
func TestPixelFloodStaysSmall(t *testing.T) {
	photo, sig := claiming(t, 30000, 30000), claiming(t, 16000, 16000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, perr := Check(Photo, photo)
	_, serr := Check(Signature, sig)
	runtime.ReadMemStats(&after)
	if apperr.As(perr).Fields["photos"] != "attach.photo_too_many_pixels" || apperr.As(serr).Fields["signature"] != "attach.signature_too_many_pixels" {
		t.Fatalf("photo: %v; signature: %v", perr, serr)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 4<<20 {
		t.Errorf("checking two forged headers allocated %d MB", grew>>20)
	}
}

func TestCheckDocumentTakesPDFsAndImagesOnly(t *testing.T) {
	if c, err := CheckDocument([]byte("%PDF-1.7\n%certificate\n")); err != nil || c.ContentType != "application/pdf" || c.Kind != Document || c.SHA256 == "" {
		t.Errorf("pdf: %+v %v", c.ContentType, err)
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 40, 30)))
	if c, err := CheckDocument(buf.Bytes()); err != nil || c.ContentType != "image/png" || len(c.Thumb) == 0 {
		t.Errorf("png: %v", err)
	}
	for name, tc := range map[string]struct {
		data []byte
		key  string
	}{
		"text":  {[]byte("just text"), "attach.not_document"},
		"empty": {nil, "attach.empty"},
		"big":   {append([]byte("%PDF-1.7\n"), make([]byte, MaxDocumentBytes)...), "attach.document_too_big"},
	} {
		if _, err := CheckDocument(tc.data); apperr.As(err).Fields["document"] != tc.key {
			t.Errorf("%s: %v", name, err)
		}
	}
}
