package pollfile

import (
	"testing"

	"github.com/esimhil/esimhil/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }
