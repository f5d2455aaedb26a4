import Foundation
import TenantryCore
import Testing
import Tracing

@testable import TenantryHTTP

/// The pieces of Tenantry's own tracer: W3C trace context, the sampler, the `OTEL_*`
/// settings. (TracingTests proves the whole path against an OTLP receiver.)
@Suite("Tracer")
struct TracerTests {
    @Test("a traceparent is parsed and written back unchanged; malformed ones are refused")
    func traceParent() throws {
        let text = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        let trace = try #require(TraceContext(traceParent: text, traceState: "vendor=1"))
        #expect(trace.traceParent == text)
        #expect(trace.sampled && trace.traceState == "vendor=1")
        #expect(
            TraceContext(traceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00", traceState: nil)?.sampled
                == false)
        // A later version with more fields is read as version 00 reads it.
        #expect(
            TraceContext(traceParent: "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra", traceState: nil) != nil)
        for bad in [
            "", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331", "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "00-00000000000000000000000000000000-b7ad6b7169203331-01", "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
            "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-x",
        ] {
            #expect(TraceContext(traceParent: bad, traceState: nil) == nil, "\(bad)")
        }
    }

    @Test("spans continue the caller's trace and sampling decision, and inject it into outgoing headers")
    func spansFollowTheirParent() throws {
        let exporter = OTLPTraceExporter(
            settings: OTLPExportSettings(endpoint: "http://127.0.0.1:1/v1/traces", resource: []),
            logger: .init(label: "test"))
        let tracer = TenantryTracer(exporter: exporter, sampler: TraceSampler())
        var context = ServiceContext.topLevel
        tracer.extract(
            [("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00")], into: &context,
            using: PairsExtractor())
        let span = tracer.startSpan("unsampled child", context: context)
        #expect(span.trace.traceIDHex == "0af7651916cd43dd8448eb211c80319c")
        #expect(span.parentSpanID == 0xb7ad_6b71_6920_3331 && !span.isRecording)
        var headers: [(String, String)] = []
        tracer.inject(span.context, into: &headers, using: PairsInjector())
        #expect(headers.first?.1 == "00-0af7651916cd43dd8448eb211c80319c-\(span.trace.spanIDHex)-00")
        let root = tracer.startSpan("root", context: .topLevel)
        #expect(root.isRecording && root.parentSpanID == nil)
        root.end()
        #expect(!root.isRecording)
    }

    @Test("a trace id ratio samples about its share of traces, the same way for the same trace")
    func ratioSampler() {
        let sampler = TraceSampler(root: .ratio(0.25), parentBased: false)
        var generator = SystemRandomNumberGenerator()
        let decisions = (0..<20_000).map { _ in sampler.sampled(traceLow: generator.next(), parent: nil) }
        let share = Double(decisions.filter { $0 }.count) / Double(decisions.count)
        #expect(abs(share - 0.25) < 0.02, "\(share)")
        let trace: UInt64 = 0x1234_5678_9abc_def0
        #expect(sampler.sampled(traceLow: trace, parent: nil) == sampler.sampled(traceLow: trace, parent: nil))
        #expect(!TraceSampler(root: .never, parentBased: false).sampled(traceLow: trace, parent: nil))
    }

    @Test("the OTEL_* variables set the endpoint, resource, headers, batching and sampler; bad values are refused by name")
    func settingsFromEnvironment() throws {
        let (settings, sampler) = try TenantryTracing.settings(
            environment: [
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/", "OTEL_SERVICE_NAME": "auth",
                "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=prod,team=a%20b",
                "OTEL_EXPORTER_OTLP_HEADERS": "x-key=s3cret",
                "OTEL_BSP_SCHEDULE_DELAY": "250", "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
                "OTEL_TRACES_SAMPLER_ARG": "0.1",
            ], version: "1.2.3")
        #expect(settings.endpoint == "http://collector:4318/v1/traces")
        #expect(settings.resource.first! == ("service.name", "auth"))
        #expect(
            settings.resource.contains { $0 == ("team", "a b") }
                && settings.resource.contains { $0 == ("service.version", "1.2.3") })
        #expect(settings.headers.first! == ("x-key", "s3cret"))
        #expect(settings.scheduleDelay == .milliseconds(250))
        #expect(sampler == TraceSampler(root: .ratio(0.1), parentBased: true))
        do {
            _ = try TenantryTracing.settings(
                environment: ["OTEL_TRACES_SAMPLER": "sometimes", "OTEL_BSP_SCHEDULE_DELAY": "-1"], version: "1")
            Issue.record("bad variables were accepted")
        } catch let error as TenantryError {
            #expect(Set(error.fieldErrors.map(\.field)) == ["OTEL_TRACES_SAMPLER", "OTEL_BSP_SCHEDULE_DELAY"])
        }
    }
}

private struct PairsExtractor: Extractor {
    func extract(key: String, from carrier: [(String, String)]) -> String? { carrier.first { $0.0 == key }?.1 }
}

private struct PairsInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [(String, String)]) { carrier.append((key, value)) }
}
