# Signs requests with Aws::Sigv4::Signer (Debian ruby-aws-sigv4), sends them to
# the verifying server given as ARGV[0], and prints one JSON line per case:
# {"case", "status", "body", "signed_headers"}. Run by TestVerifyRuby.
#
# Aws::Sigv4::Signer signs every header it is given except authorization,
# x-amzn-trace-id and expect, so User-Agent and Content-Length are signed.
require 'aws-sigv4'
require 'json'
require 'net/http'
require 'uri'

BASE = ARGV.fetch(0)
BODY = '{"ProductCode":"prod-1234","Timestamp":1704067200,"UsageDimension":"users","UsageQuantity":3}'

def signer
  Aws::Sigv4::Signer.new(service: 'aws-marketplace', region: 'us-east-1',
                         access_key_id: 'AKIDEXAMPLE',
                         secret_access_key: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY')
end

def meter_headers
  { 'Content-Type' => 'application/x-amz-json-1.1',
    'X-Amz-Target' => 'AWSMPMeteringService.MeterUsage',
    'User-Agent' => 'aws-sdk-ruby3/3.168.1 ruby/3.1.2 x86_64-linux',
    'Content-Length' => BODY.bytesize.to_s }
end

# send_request posts body to url with headers, exactly as given: Net::HTTP
# only adds unsigned headers (Accept, Accept-Encoding).
def send_request(url, headers, body)
  uri = URI(url)
  req = Net::HTTP::Post.new(uri)
  headers.each { |k, v| req[k] = v }
  req.body = body
  Net::HTTP.start(uri.host, uri.port) { |http| http.request(req) }
end

# run signs a request, lets tamper change it, sends it and reports.
def run(name, url: "#{BASE}/", headers: meter_headers, body: BODY, tamper: nil)
  sig = signer.sign_request(http_method: 'POST', url: url, headers: headers, body: body)
  sent = headers.merge(sig.headers)
  sent_body = body
  sent_body = tamper.call(sent, body) if tamper
  report(name, send_request(url, sent, sent_body), sig.headers['authorization'][/SignedHeaders=([^,]*)/, 1])
end

def report(name, res, signed_headers)
  puts JSON.generate('case' => name, 'status' => res.code.to_i, 'body' => res.body, 'signed_headers' => signed_headers)
end

run('OK/user-agent and content-length signed')
run('OK/inner runs of spaces and outer blanks in a signed value',
    headers: meter_headers.merge('X-Amz-Meta-Note' => "  a   b  c ", 'X-Custom' => 'x'))
run('OK/query string', url: "#{BASE}/?b=2&a=1&c=x%20y&d=%2F~")
run('OK/CBOR path', url: "#{BASE}/service/AWSMPEntitlementService/operation/GetEntitlements",
    headers: { 'Smithy-Protocol' => 'rpc-v2-cbor', 'Content-Type' => 'application/cbor',
               'Accept' => 'application/cbor', 'User-Agent' => 'ruby' },
    body: "\xa1\x6bProductCode\x69prod-1234".b)
run('ErrInvalidSignature/user-agent changed after signing',
    tamper: ->(h, b) { h['User-Agent'] = 'aws-sdk-ruby3/9.9.9'; b })
run('ErrInvalidSignature/body changed after signing',
    tamper: ->(_h, b) { b.sub('"UsageQuantity":3', '"UsageQuantity":30') })
run('ErrIncompleteSignature/signed x-amz-target removed',
    tamper: ->(h, b) { h.delete('X-Amz-Target'); b })

url = signer.presign_url(http_method: 'POST', url: "#{BASE}/", body: BODY, expires_in: 300,
                         headers: { 'User-Agent' => 'presigning-agent', 'X-Amz-Target' => 'AWSMPMeteringService.MeterUsage' })
presigned = { 'User-Agent' => 'presigning-agent', 'X-Amz-Target' => 'AWSMPMeteringService.MeterUsage',
              'Content-Type' => 'application/x-amz-json-1.1' }
report('OK/presigned URL signing user-agent', send_request(url.to_s, presigned, BODY),
       URI.decode_www_form(url.query).to_h['X-Amz-SignedHeaders'])
report('ErrInvalidSignature/presigned, user-agent changed',
       send_request(url.to_s, presigned.merge('User-Agent' => 'other'), BODY),
       URI.decode_www_form(url.query).to_h['X-Amz-SignedHeaders'])
