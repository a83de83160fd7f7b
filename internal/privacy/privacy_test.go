package privacy

import (
	"testing"

	"github.com/aftersales/aftersales/internal/auth"
)

func TestMaskPhone(t *testing.T) {
	for in, want := range map[string]string{
		"13812342208":        "138****2208",
		"138 1234 2208":      "138****2208",
		"+8613812342208":     "138****2208",
		"0086 138 1234 2208": "138****2208",
		"8613812342208":      "138****2208",
		"１３８１２３４２２０８":        "138****2208",
		"+86 21 6432 1234":   "216****1234",
		"021-6432 1234":      "021****1234",
		"12345":              "****",
		"":                   "",
		"已匿名":                "",
	} {
		if got := MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMaskAddress(t *testing.T) {
	for in, want := range map[string]string{
		"上海市徐汇区漕溪北路88号 3楼": "上海市徐汇区****",
		"浙江省杭州市西湖区文三路1号":   "浙江省杭州市西湖区****",
		"长乐路100号":          "长乐路****",
		"":                 "",
		"甲":                "****",
	} {
		if got := MaskAddress(in); got != want {
			t.Errorf("MaskAddress(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestShows(t *testing.T) {
	for _, r := range auth.Roles {
		a := auth.Actor{Role: r}
		if got, want := Shows(a, false), r != auth.RoleTechnician; got != want {
			t.Errorf("%s without an open job: %v, want %v", r, got, want)
		}
		if !Shows(a, true) {
			t.Errorf("%s with an open job: masked", r)
		}
	}
}
