# Captures a request signed by boto3 as it would go on the wire (see README.md).
import json, sys
import boto3
from botocore.awsrequest import AWSResponse

captured = {}

class FakeRaw:
    def stream(self, *a, **k):
        yield b'{}'

def before_send(request, **kwargs):
    captured['method'] = request.method
    captured['url'] = request.url
    captured['headers'] = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()}
    body = request.body
    if isinstance(body, str):
        body = body.encode()
    captured['body'] = (body or b'').decode()
    resp = AWSResponse(request.url, 200, {'x-amzn-RequestId': 'r'}, FakeRaw())
    resp._content = b'{"MeteringRecordId":"x"}' if 'Metering' in request.headers.get('X-Amz-Target', b'').decode() else b'{"Entitlements":[]}'
    return resp

op = sys.argv[1]
if op == 'meter-signs-user-agent':
    # botocore leaves user-agent and expect out of the signature; taking them
    # off its list makes the real signer sign them as the .NET SDK does.
    import botocore.auth
    botocore.auth.SIGNED_HEADERS_BLACKLIST = [h for h in botocore.auth.SIGNED_HEADERS_BLACKLIST
                                             if h not in ('user-agent', 'expect')]
session = boto3.session.Session(aws_access_key_id='AKIDEXAMPLE', aws_secret_access_key='wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', region_name='us-east-1')
if op.startswith('meter'):
    c = session.client('meteringmarketplace', endpoint_url='http://127.0.0.1:8443')
    c.meta.events.register('before-send', before_send)
    import datetime
    c.meter_usage(ProductCode='prod-1234', Timestamp=datetime.datetime(2024,1,1,11,0,0), UsageDimension='users', UsageQuantity=3)
else:
    c = session.client('marketplace-entitlement', endpoint_url='http://127.0.0.1:8443')
    c.meta.events.register('before-send', before_send)
    c.get_entitlements(ProductCode='prod-1234')
json.dump(captured, sys.stdout, indent=2)
print()
