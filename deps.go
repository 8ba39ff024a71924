//go:build tools

package meterd

import (
	_ "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	_ "github.com/aws/aws-sdk-go-v2/credentials"
	_ "github.com/aws/aws-sdk-go-v2/service/marketplacemetering"
	_ "github.com/aws/aws-sdk-go/service/marketplaceentitlementservice"
	_ "github.com/fxamacker/cbor/v2"
	_ "github.com/golang-jwt/jwt/v5"
	_ "github.com/google/uuid"
	_ "go.yaml.in/yaml/v3"
	_ "modernc.org/sqlite"
)
