// Package static embeds the CSS, scripts and images served under /static/.
package static

import "embed"

// FS holds css/ and js/ (htmx 2.x vendored, no CDN).
//
//go:embed css js
var FS embed.FS
