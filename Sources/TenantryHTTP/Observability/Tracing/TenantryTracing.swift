import Foundation
public import Logging
public import ServiceLifecycle
import TenantryCore
import Tracing

/// Tracing of `tenantry serve` and `tenantry worker` (decision 0022): reads the standard
/// `OTEL_*` variables, installs ``TenantryTracer`` and returns its exporter, the service that
/// sends spans over OTLP/HTTP. docs/operations.md lists the variables honoured.
public enum TenantryTracing {
    /// Installs the tracer process-wide (once) and returns the exporter service to run.
    /// Invalid variables are refused by name (`validation_failed`).
    public static func install(environment: [String: String], version: String, logger: Logger) throws -> any Service {
        let (settings, sampler) = try settings(environment: environment, version: version)
        let exporter = OTLPTraceExporter(settings: settings, logger: logger)
        InstrumentationSystem.bootstrap(TenantryTracer(exporter: exporter, sampler: sampler))
        return exporter
    }

    /// Adds `trace_id` and `span_id` to every line logged inside a span.
    public static let loggingMetadata = Logger.MetadataProvider {
        guard let trace = ServiceContext.current?.traceContext else { return [:] }
        return ["trace_id": .string(trace.traceIDHex), "span_id": .string(trace.spanIDHex)]
    }

    /// The exporter's settings and the sampler, from the `OTEL_*` variables.
    static func settings(environment: [String: String], version: String) throws -> (OTLPExportSettings, TraceSampler) {
        func value(_ names: String...) -> (name: String, text: String)? {
            for name in names {
                if let raw = environment[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty { return (name, raw) }
            }
            return nil
        }
        var validator = Validator()
        func milliseconds(_ names: String..., range: ClosedRange<Int>) -> Duration? {
            for name in names {
                guard let raw = environment[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { continue }
                guard let number = Int(raw), range.contains(number) else {
                    validator.add(name, "invalid_value", "Use milliseconds from \(range.lowerBound) to \(range.upperBound).")
                    return nil
                }
                return .milliseconds(number)
            }
            return nil
        }
        func count(_ name: String, range: ClosedRange<Int>) -> Int? {
            guard let raw = value(name)?.text else { return nil }
            guard let number = Int(raw), range.contains(number) else {
                validator.add(name, "invalid_value", "Use a whole number from \(range.lowerBound) to \(range.upperBound).")
                return nil
            }
            return number
        }

        let endpoint: String
        if let traces = value("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")?.text {
            endpoint = traces
        } else if let base = value("OTEL_EXPORTER_OTLP_ENDPOINT")?.text {
            endpoint = (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/v1/traces"
        } else {
            endpoint = "http://localhost:4318/v1/traces"
        }
        let url = URL(string: endpoint)
        if url?.host == nil || !["http", "https"].contains(url?.scheme ?? "") {
            validator.add("OTEL_EXPORTER_OTLP_ENDPOINT", "invalid_format", "Use an http:// or https:// URL.")
        }

        var resource: [(String, String)] = []
        if let (name, text) = value("OTEL_RESOURCE_ATTRIBUTES") {
            if let pairs = keyValuePairs(text) {
                resource = pairs
            } else {
                validator.add(name, "invalid_format", "Use key=value pairs separated by commas.")
            }
        }
        let serviceName = value("OTEL_SERVICE_NAME")?.text ?? resource.last { $0.0 == "service.name" }?.1 ?? "tenantry"
        resource.removeAll { ["service.name", "telemetry.sdk.name", "telemetry.sdk.language"].contains($0.0) }
        resource.insert(("service.name", serviceName), at: 0)
        if !resource.contains(where: { $0.0 == "service.version" }) { resource.append(("service.version", version)) }
        resource += [("telemetry.sdk.name", "tenantry"), ("telemetry.sdk.language", "swift")]

        var settings = OTLPExportSettings(endpoint: endpoint, resource: resource)
        if let (name, text) = value("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS") {
            if let pairs = keyValuePairs(text) {
                settings.headers = pairs
            } else {
                validator.add(name, "invalid_format", "Use key=value pairs separated by commas.")
            }
        }
        if let delay = milliseconds("OTEL_BSP_SCHEDULE_DELAY", range: 1...600_000) { settings.scheduleDelay = delay }
        if let timeout = milliseconds(
            "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_BSP_EXPORT_TIMEOUT", range: 1...600_000)
        {
            settings.timeout = timeout
        }
        if let size = count("OTEL_BSP_MAX_QUEUE_SIZE", range: 1...1_000_000) { settings.maxQueueSize = size }
        if let size = count("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", range: 1...1_000_000) { settings.maxBatchSize = size }
        settings.maxBatchSize = min(settings.maxBatchSize, settings.maxQueueSize)

        if let (name, text) = value("OTEL_PROPAGATORS") {
            let known: Set<String> = ["tracecontext", "baggage", "none"]
            let asked = text.lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if asked.contains(where: { !known.contains($0) }) {
                validator.add(name, "invalid_value", "Only tracecontext (W3C traceparent and tracestate) is supported.")
            }
        }

        var sampler = TraceSampler()
        if let (name, text) = value("OTEL_TRACES_SAMPLER") {
            switch text.lowercased() {
            case "always_on": sampler = TraceSampler(root: .always, parentBased: false)
            case "always_off": sampler = TraceSampler(root: .never, parentBased: false)
            case "traceidratio": sampler = TraceSampler(root: .ratio(1), parentBased: false)
            case "parentbased_always_on": sampler = TraceSampler(root: .always, parentBased: true)
            case "parentbased_always_off": sampler = TraceSampler(root: .never, parentBased: true)
            case "parentbased_traceidratio": sampler = TraceSampler(root: .ratio(1), parentBased: true)
            default:
                validator.add(
                    name, "invalid_value",
                    "Use always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio."
                )
            }
            if case .ratio = sampler.root {
                if let (argName, argText) = value("OTEL_TRACES_SAMPLER_ARG") {
                    if let ratio = Double(argText), (0...1).contains(ratio) {
                        sampler.root = .ratio(ratio)
                    } else {
                        validator.add(argName, "invalid_value", "Use a ratio from 0 to 1.")
                    }
                }
            }
        }
        try validator.check()
        return (settings, sampler)
    }

    /// `key=value,key2=value2` with percent-encoded values (the W3C Baggage form the
    /// `OTEL_*` lists use); `nil` when malformed.
    static func keyValuePairs(_ text: String) -> [(String, String)]? {
        var pairs: [(String, String)] = []
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { return nil }
            let key = parts[0].trimmingCharacters(in: .whitespaces)
            let raw = parts[1].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, let value = raw.removingPercentEncoding else { return nil }
            pairs.append((key, value))
        }
        return pairs
    }
}
