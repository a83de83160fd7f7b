package views

import "net/url"

// ordersExportHref is the order list's workbook with the list's filters, from the
// newest order (without the page cursor).
func ordersExportHref(q url.Values) string {
	c := url.Values{}
	for key, vals := range q {
		if key != "after" {
			c[key] = append([]string(nil), vals...)
		}
	}
	if len(c) == 0 {
		return "/orders.xlsx"
	}
	return "/orders.xlsx?" + c.Encode()
}
