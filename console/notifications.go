package console

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/meterd/meterd/server"
)

// maxNotifications is the most deliveries one page shows (the admin
// API's own bound).
const maxNotifications = 1000

// notificationsData is the deliveries of the subscription events to the
// products' notification targets, newest first, with their attempts.
type notificationsData struct {
	Product, Customer string
	Pending           bool
	Limit             int
	Deliveries        []server.DeliveryOutput
}

func (c *Console) notificationsPage(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	d := &notificationsData{Product: q.Get("product"), Customer: q.Get("customer"), Pending: q.Get("pending") != "", Limit: 100}
	v := view{Title: "Notifications", Data: d}
	status := http.StatusOK
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxNotifications {
			status, v.Error = http.StatusBadRequest, fmt.Sprintf("limit must be a whole number from 1 to %d, got %q", maxNotifications, l)
		}
		d.Limit = n
	}
	if status == http.StatusOK {
		out, err := c.cfg.Admin.Notifications(r.Context(), server.NotificationsQuery{ProductCode: d.Product,
			CustomerIdentifier: d.Customer, Pending: d.Pending, Limit: d.Limit})
		if err != nil {
			status, v.Error = statusOf(err), errorText(err)
		} else {
			d.Deliveries = out.Deliveries
		}
	}
	c.page(w, s, status, "notifications", v)
}
