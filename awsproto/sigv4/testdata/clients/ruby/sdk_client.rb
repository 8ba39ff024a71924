# Calls MeterUsage and GetEntitlements through a Ruby SDK (aws-sdk-core,
# Debian ruby-aws-sdk-core) client built at run time from meterd's embedded
# Smithy models, since no Marketplace gem is packaged, against the verifying
# server ARGV[0]. Prints one JSON line per case like sigv4_signer.rb. Run by
# TestVerifyRubySDK with the models directory as ARGV[1].
#
# The client uses aws-sdk-core's own plugins (JSON RPC protocol, SigV4
# signing, user agent, retries), so the request is what the Ruby SDK sends.
require 'aws-sdk-core'
require 'json'
require 'aws-sdk-core/plugins/protocols/json_rpc'
%w[content_length].each { |f| require "seahorse/client/plugins/#{f}" }
%w[credentials_configuration param_converter param_validator user_agent retry_errors regional_endpoint
   idempotency_token recursion_detection stub_responses].each { |f| require "aws-sdk-core/plugins/#{f}" }

BASE = ARGV.fetch(0)
MODELS = ARGV.fetch(1)
SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'

# Errors holds the error classes the SDK makes up for each error code, as a
# generated service gem's Errors module does.
module Errors
  extend Aws::Errors::DynamicErrors
end

# ShapeBuilder turns Smithy JSON AST shapes into Seahorse shapes.
class ShapeBuilder
  include Seahorse::Model::Shapes

  SIMPLE = { 'string' => StringShape, 'enum' => StringShape, 'integer' => IntegerShape,
             'intEnum' => IntegerShape, 'long' => IntegerShape, 'boolean' => BooleanShape,
             'timestamp' => TimestampShape, 'double' => FloatShape, 'float' => FloatShape,
             'blob' => BlobShape }.freeze

  def initialize(shapes)
    @smithy = shapes
    @built = {}
  end

  def shape(id)
    @built[id] ||= build(id)
  end

  private

  def build(id)
    type = id.start_with?('smithy.api#') ? id.split('#').last.downcase : @smithy.fetch(id)['type']
    name = id.split('#').last
    return SIMPLE.fetch(type).new(name: name) if SIMPLE.key?(type)

    case type
    when 'structure' then structure(id, name)
    when 'list'
      ListShape.new(name: name).tap { |s| s.member = ShapeRef.new(shape: shape(@smithy[id]['member']['target'])) }
    when 'map'
      MapShape.new(name: name).tap do |s|
        s.key = ShapeRef.new(shape: shape(@smithy[id]['key']['target']))
        s.value = ShapeRef.new(shape: shape(@smithy[id]['value']['target']))
      end
    else raise "unsupported shape type #{type} (#{id})"
    end
  end

  def structure(id, name)
    s = StructureShape.new(name: name)
    @built[id] = s # members may refer back to it
    (@smithy[id]['members'] || {}).each do |member, ref|
      traits = ref['traits'] || {}
      s.add_member(snake(member).to_sym, ShapeRef.new(
        shape: shape(ref['target']), location_name: member, required: traits.key?('smithy.api#required')
      ))
      s[member] = traits if traits.key?('smithy.api#idempotencyToken')
    end
    s.struct_class = s.member_names.empty? ? Aws::EmptyStructure : Struct.new(*s.member_names) { include Aws::Structure }
    s
  end

  def snake(name)
    name.gsub(/([A-Z]+)([A-Z][a-z])/, '\1_\2').gsub(/([a-z\d])([A-Z])/, '\1_\2').downcase
  end
end

# client_class builds an SDK client class for the service of a model file.
def client_class(model_file, endpoint_prefix)
  shapes = JSON.parse(File.read(File.join(MODELS, model_file)))['shapes']
  service_id, service = shapes.find { |_, s| s['type'] == 'service' }
  builder = ShapeBuilder.new(shapes)
  api = Seahorse::Model::Api.new
  api.version = service['version']
  api.metadata = { 'apiVersion' => service['version'], 'endpointPrefix' => endpoint_prefix,
                   'jsonVersion' => '1.1', 'protocol' => 'json', 'signatureVersion' => 'v4',
                   'signingName' => 'aws-marketplace', 'targetPrefix' => service_id.split('#').last,
                   'serviceId' => service['traits']['aws.api#service']['sdkId'] }
  service['operations'].each do |ref|
    op_shape = shapes[ref['target']]
    name = ref['target'].split('#').last
    api.add_operation(name.gsub(/([a-z\d])([A-Z])/, '\1_\2').downcase.to_sym, Seahorse::Model::Operation.new.tap do |o|
      o.name = name
      o.http_method = 'POST'
      o.http_request_uri = '/'
      o.input = Seahorse::Model::Shapes::ShapeRef.new(shape: builder.shape(op_shape['input']['target']))
      o.output = Seahorse::Model::Shapes::ShapeRef.new(shape: builder.shape(op_shape['output']['target']))
    end)
  end
  Class.new(Seahorse::Client::Base) do
    set_api(api)
    [Seahorse::Client::Plugins::ContentLength, Aws::Plugins::CredentialsConfiguration,
     Aws::Plugins::ParamConverter, Aws::Plugins::ParamValidator, Aws::Plugins::UserAgent,
     Aws::Plugins::RetryErrors, Aws::Plugins::RegionalEndpoint, Aws::Plugins::IdempotencyToken,
     Aws::Plugins::RecursionDetection, Aws::Plugins::StubResponses, Aws::Plugins::SignatureV4,
     Aws::Plugins::Protocols::JsonRpc].each { |p| add_plugin(p) }
    define_singleton_method(:errors_module) { Errors }
  end
end

def client(klass, secret: SECRET)
  klass.new(region: 'us-east-1', endpoint: BASE, retry_limit: 0,
            credentials: Aws::Credentials.new('AKIDEXAMPLE', secret))
end

# run calls the block and reports the outcome and what the SDK signed.
def run(name)
  resp = yield
  report(name, 200, resp.data.to_h.to_json, resp.context.http_request.headers['authorization'])
rescue Aws::Errors::ServiceError => e
  report(name, e.context.http_response.status_code,
         JSON.generate('__type' => e.code, 'message' => e.message), e.context.http_request.headers['authorization'])
end

def report(name, status, body, authorization)
  puts JSON.generate('case' => name, 'status' => status, 'body' => body,
                     'signed_headers' => authorization.to_s[/SignedHeaders=([^,]*)/, 1])
end

metering = client_class('marketplace-metering-2016-01-14.json', 'metering.marketplace')
entitlement = client_class('marketplace-entitlement-service-2017-01-11.json', 'entitlement.marketplace')
usage = { product_code: 'prod-1234', timestamp: Time.at(Time.now.to_i / 3600 * 3600),
          usage_dimension: 'users', usage_quantity: 3 }

run('OK/MeterUsage') { client(metering).meter_usage(usage) }
run('OK/GetEntitlements') { client(entitlement).get_entitlements(product_code: 'prod-1234') }
run('ErrInvalidSignature/wrong secret') { client(metering, secret: 'wrong').meter_usage(usage) }
