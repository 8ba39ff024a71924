#!/bin/sh
# A sample metering job against meterd's demo data (README, "Console"): with the AWS CLI and the demo seller's
# key, one BatchMeterUsage record per hour of demo-customer's api_calls for the last 6 hours (as a job catching
# up would), then two mistakes: a dimension demo-saas does not have, and the current hour again with another
# quantity. Each line it prints is one record's answer. METERD_URL overrides http://127.0.0.1:4599.
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
URL=${METERD_URL:-http://127.0.0.1:4599}
meter() { # DIMENSION QUANTITY HOURS_AGO
  aws meteringmarketplace batch-meter-usage --endpoint-url "$URL" --product-code demo-saas \
    --usage-records "CustomerIdentifier=demo-customer,Dimension=$1,Quantity=$2,Timestamp=$(date -u -d "-$3 hour" +%Y-%m-%dT%H:00:00Z)" \
    --query 'Results[0].Status || UnprocessedRecords[0].Dimension' --output text
}
for h in 5 4 3 2 1 0; do meter api_calls $((100 + h)) $h; sleep 1; done
meter storage 1 0      # a dimension demo-saas does not have
meter api_calls 999 0  # the same hour again with another quantity
