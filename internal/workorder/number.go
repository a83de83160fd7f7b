package workorder

import (
	"fmt"
	"time"
)

// OrderNumber is a work order's number: the station's code, "GD", the intake's local day
// and the station's running count of that day, e.g. SH-GD20261129-0001. The code makes
// numbers unique across the installation; numbers given before stations carried their
// code in it (GD20261129-0001) keep that form. Nothing reads a number back apart.
func OrderNumber(stationCode string, localDay time.Time, n int) string {
	return fmt.Sprintf("%s-GD%s-%04d", stationCode, localDay.Format("20060102"), n)
}
