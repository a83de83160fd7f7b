// Package privacy decides how much of a customer's contact details a user sees: the
// office sees them in full; a technician only while holding an open job for the customer
// (an order assigned to them, not closed or cancelled), otherwise masked (138****2208,
// the address cut to its district). The services apply it; templates show what they get.
package privacy

import (
	"strings"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/workflow"
)

// Shows reports whether actor sees a customer's phones and addresses in full; holdsOpen
// says the actor holds an open job for that customer (asked only of technicians).
func Shows(actor auth.Actor, holdsOpen bool) bool {
	return actor.Role != auth.RoleTechnician || holdsOpen
}

// HoldsOpenSQL is the SQL condition "the technician $user holds an open job for the
// customer whose id is the expression customer": user is a placeholder.
func HoldsOpenSQL(customer, user string) string {
	return `EXISTS (SELECT 1 FROM work_orders h WHERE h.customer_id = ` + customer + ` AND h.assignee_id = ` + user +
		` AND ` + workflow.OpenSQL("h") + `)`
}

// Mask marks a masked value.
const Mask = "****"

// MaskPhone keeps a number's first three and last four digits (full-width digits read
// as digits, a mainland 86 or 0086 prefix dropped): 13812342208 → 138****2208. A number
// of fewer than seven digits is all mask.
func MaskPhone(phone string) string {
	var d []byte
	for _, r := range phone {
		switch {
		case r >= '0' && r <= '9':
			d = append(d, byte(r))
		case r >= '０' && r <= '９':
			d = append(d, byte('0'+r-'０'))
		}
	}
	lead := strings.TrimSpace(phone)
	switch {
	case (strings.HasPrefix(lead, "+86") || strings.HasPrefix(lead, "＋86")) && len(d) > 2:
		d = d[2:]
	case strings.HasPrefix(string(d), "0086") && len(d) > 4:
		d = d[4:]
	case len(d) == 13 && strings.HasPrefix(string(d), "861"):
		d = d[2:]
	}
	if len(d) == 0 {
		return ""
	}
	if len(d) < 7 {
		return Mask
	}
	return string(d[:3]) + Mask + string(d[len(d)-4:])
}

// districtEnds are the characters that end a Chinese address's region part
// (省, 市, 区, 县, 镇), searched within its first districtRunes characters.
const (
	districtEnds  = "省市区县镇旗"
	districtRunes = 16
)

// MaskAddress keeps an address's region part up to its last district mark within the
// first characters (上海市徐汇区漕溪北路88号 → 上海市徐汇区****), else its first
// three characters; an empty address stays empty.
func MaskAddress(addr string) string {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return ""
	}
	runes := []rune(addr)
	keep := 0
	for i, r := range runes {
		if i >= districtRunes {
			break
		}
		if strings.ContainsRune(districtEnds, r) && i+1 < len(runes) {
			keep = i + 1
		}
	}
	if keep == 0 {
		keep = min(3, utf8.RuneCountInString(addr)-1)
	}
	return string(runes[:max(keep, 0)]) + Mask
}
