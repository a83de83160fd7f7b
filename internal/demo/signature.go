package demo

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
)

// Signature returns a PNG of a hand-written-looking stroke, as the signature pad makes
// them (dark ink on a transparent background): demo reports and tests use it.
func Signature() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 300, 100))
	ink := color.NRGBA{R: 20, G: 30, B: 60, A: 255}
	for x := 20.0; x < 280; x += 0.25 {
		y := 50 + 25*math.Sin(x/18) + 8*math.Sin(x/5)
		for dx := -1; dx <= 1; dx++ {
			for dy := -1; dy <= 1; dy++ {
				img.Set(int(x)+dx, int(y)+dy, ink)
			}
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}
