package server

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/meterd/meterd"
)

// Routes of the notifications: the admin list, and the public SNS routes a
// subscriber visits (SigningCertURL, SubscribeURL, UnsubscribeURL; the
// notify package builds these URLs with the same paths).
const (
	pathNotifications  = "/admin/v1/notifications"
	PathSNSCertificate = "/meterd/sns/SimpleNotificationService-meterd.pem"
	PathSNSConfirm     = "/meterd/sns/confirm"
	PathSNSUnsubscribe = "/meterd/sns/unsubscribe"

	defaultNotificationsPage = 100
	maxNotificationsPage     = 1000
)

// SNSSubscriptions is what the public SNS routes ask of the notifier.
type SNSSubscriptions interface {
	// CertificatePEM is the certificate that verifies envelope signatures.
	CertificatePEM() ([]byte, error)
	// ConfirmSubscription confirms the subscription of topic with token
	// and returns its ARN; a wrong pair is EInvalid.
	ConfirmSubscription(topic, token string) (string, error)
	// Unsubscribe ends the subscription with arn; unknown is ENotFound.
	Unsubscribe(arn string) error
}

// NotificationsOutput is the answer of GET /admin/v1/notifications:
// deliveries, newest first, each with its attempts.
type NotificationsOutput struct {
	Deliveries []DeliveryOutput `json:"deliveries"`
}

// DeliveryOutput is one delivery of an event to a target.
type DeliveryOutput struct {
	ID                   int64     `json:"id"`
	EventID              string    `json:"eventId"`
	Action               string    `json:"action"`
	ProductCode          string    `json:"productCode"`
	CustomerIdentifier   string    `json:"customerIdentifier"`
	CustomerAWSAccountID string    `json:"customerAWSAccountId,omitempty"`
	EventTime            time.Time `json:"eventTime"`
	Kind                 string    `json:"kind"`
	Endpoint             string    `json:"endpoint"`
	Region               string    `json:"region,omitempty"`
	EventBus             string    `json:"eventBus,omitempty"`
	// Status is "delivered" or "pending".
	Status      string          `json:"status"`
	Attempts    int             `json:"attempts"`
	NextAttempt *time.Time      `json:"nextAttempt,omitempty"`
	DeliveredAt *time.Time      `json:"deliveredAt,omitempty"`
	AttemptLog  []AttemptOutput `json:"attemptLog"`
}

// AttemptOutput is one try of a delivery.
type AttemptOutput struct {
	At         time.Time `json:"at"`
	LatencyMS  float64   `json:"latencyMs"`
	StatusCode int       `json:"statusCode,omitempty"`
	Error      string    `json:"error,omitempty"`
}

// parseDeliveryFilter reads product, customer, pending and limit; any
// other parameter is EInvalid.
func parseDeliveryFilter(q url.Values) (meterd.DeliveryFilter, error) {
	for k := range q {
		switch k {
		case "product", "customer", "pending", "limit":
		default:
			return meterd.DeliveryFilter{}, meterd.Errorf(meterd.EInvalid, "unknown parameter %q: use product, customer, pending or limit", k)
		}
	}
	f := meterd.DeliveryFilter{ProductCode: q.Get("product"), CustomerIdentifier: q.Get("customer")}
	if v := q.Get("pending"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, meterd.Errorf(meterd.EInvalid, "pending must be true or false, got %q", v)
		}
		f.Pending = b
	}
	limit, err := intParam(q, "limit", defaultNotificationsPage, 1, maxNotificationsPage)
	f.Limit = limit
	return f, err
}

// listNotifications answers the deliveries of the Outbox. A store without
// one has nothing to deliver: the list is empty.
func (s *Server) listNotifications(r *http.Request) (any, error) {
	f, err := parseDeliveryFilter(r.URL.Query())
	if err != nil {
		return nil, err
	}
	out := NotificationsOutput{Deliveries: []DeliveryOutput{}}
	if s.Outbox == nil {
		return out, nil
	}
	recs, err := s.Outbox.ListDeliveries(r.Context(), f)
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		out.Deliveries = append(out.Deliveries, deliveryOutput(rec))
	}
	return out, nil
}

func deliveryOutput(rec meterd.DeliveryRecord) DeliveryOutput {
	d := DeliveryOutput{
		ID: rec.ID, EventID: rec.Event.ID, Action: string(rec.Event.Action), ProductCode: rec.Event.ProductCode,
		CustomerIdentifier: rec.Event.CustomerIdentifier, CustomerAWSAccountID: rec.Event.CustomerAWSAccountID,
		EventTime: rec.Event.Time, Kind: string(rec.Target.Kind), Endpoint: rec.Target.Endpoint,
		Region: rec.Target.Region, EventBus: rec.Target.EventBus, Status: "pending", Attempts: rec.Attempts,
		AttemptLog: []AttemptOutput{},
	}
	if !rec.DeliveredAt.IsZero() {
		d.Status = "delivered"
		d.DeliveredAt = &rec.DeliveredAt
	} else if !rec.NextAttempt.IsZero() {
		d.NextAttempt = &rec.NextAttempt
	}
	for _, a := range rec.AttemptLog {
		d.AttemptLog = append(d.AttemptLog, AttemptOutput{
			At: a.At, LatencyMS: float64(a.Latency.Microseconds()) / 1000, StatusCode: a.StatusCode, Error: a.Error,
		})
	}
	return d
}

// snsRoutes adds the public SNS routes to mux; without a notifier they
// answer 404.
func (s *Server) snsRoutes(mux *http.ServeMux) {
	if s.SNS == nil {
		return
	}
	mux.HandleFunc("GET "+PathSNSCertificate, s.handleSNSCertificate)
	mux.HandleFunc("GET "+PathSNSConfirm, s.handleSNSConfirm)
	mux.HandleFunc("GET "+PathSNSUnsubscribe, s.handleSNSUnsubscribe)
}

func (s *Server) handleSNSCertificate(w http.ResponseWriter, r *http.Request) {
	pem, err := s.SNS.CertificatePEM()
	if err != nil {
		s.log().Error("sns certificate", meterd.LogKeyError, err)
		writeSNSError(w, meterd.Errorf(meterd.EInternalServiceError, "internal error"))
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	_, _ = w.Write(pem)
}

// snsResponse is SNS's query API answer to ConfirmSubscription and
// Unsubscribe.
type snsResponse struct {
	XMLName         xml.Name
	Xmlns           string `xml:"xmlns,attr"`
	SubscriptionArn string `xml:"ConfirmSubscriptionResult>SubscriptionArn,omitempty"`
	RequestID       string `xml:"ResponseMetadata>RequestId"`
}

const snsXMLNS = "http://sns.amazonaws.com/doc/2010-03-31/"

func (s *Server) handleSNSConfirm(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("TopicArn") == "" || q.Get("Token") == "" {
		writeSNSError(w, meterd.Errorf(meterd.EInvalid, "TopicArn and Token are required"))
		return
	}
	arn, err := s.SNS.ConfirmSubscription(q.Get("TopicArn"), q.Get("Token"))
	if err != nil {
		writeSNSError(w, err)
		return
	}
	writeSNSXML(w, http.StatusOK, snsResponse{XMLName: xml.Name{Local: "ConfirmSubscriptionResponse"}, SubscriptionArn: arn})
}

func (s *Server) handleSNSUnsubscribe(w http.ResponseWriter, r *http.Request) {
	arn := r.URL.Query().Get("SubscriptionArn")
	if arn == "" {
		writeSNSError(w, meterd.Errorf(meterd.EInvalid, "SubscriptionArn is required"))
		return
	}
	if err := s.SNS.Unsubscribe(arn); err != nil {
		writeSNSError(w, err)
		return
	}
	writeSNSXML(w, http.StatusOK, snsResponse{XMLName: xml.Name{Local: "UnsubscribeResponse"}})
}

// snsErrorResponse is SNS's query API error.
type snsErrorResponse struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

// writeSNSError answers as SNS does: InvalidParameter (400) for a wrong
// token or a missing parameter, NotFound (404) for an unknown
// subscription, InternalError (500) for anything else.
func writeSNSError(w http.ResponseWriter, err error) {
	status, code, typ := http.StatusInternalServerError, "InternalError", "Receiver"
	switch meterd.ErrorCode(err) {
	case meterd.EInvalid:
		status, code, typ = http.StatusBadRequest, "InvalidParameter", "Sender"
	case meterd.ENotFound:
		status, code, typ = http.StatusNotFound, "NotFound", "Sender"
	}
	msg := meterd.ErrorMessage(err)
	if status == http.StatusInternalServerError {
		msg = meterd.InternalErrorMessage
	}
	writeSNSXML(w, status, snsErrorResponse{Type: typ, Code: code, Message: msg})
}

func writeSNSXML(w http.ResponseWriter, status int, v any) {
	switch x := v.(type) {
	case snsResponse:
		x.Xmlns, x.RequestID = snsXMLNS, uuid.NewString()
		v = x
	case snsErrorResponse:
		x.Xmlns, x.RequestID = snsXMLNS, uuid.NewString()
		v = x
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_ = xml.NewEncoder(w).Encode(v)
}

// NotificationsQuery selects the deliveries Notifications lists.
type NotificationsQuery struct {
	ProductCode        string
	CustomerIdentifier string
	Pending            bool
	// Limit is at most 1000; 0 means 100.
	Limit int
}

// Notifications lists the deliveries of notifications, newest first, with
// their attempts.
func (c *AdminClient) Notifications(ctx context.Context, q NotificationsQuery) (*NotificationsOutput, error) {
	v := url.Values{}
	if q.ProductCode != "" {
		v.Set("product", q.ProductCode)
	}
	if q.CustomerIdentifier != "" {
		v.Set("customer", q.CustomerIdentifier)
	}
	if q.Pending {
		v.Set("pending", "true")
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	path := pathNotifications
	if len(v) > 0 {
		path += "?" + v.Encode()
	}
	var out NotificationsOutput
	if err := c.do(ctx, http.MethodGet, path, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
