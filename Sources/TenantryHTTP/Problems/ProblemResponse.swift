import Foundation
import Hummingbird
import Logging
import TenantryApplication
import TenantryCore

/// Turns any error into a problem+json response. The only place that decides what a client
/// learns about a failure: domain errors show their code and safe message; anything else is
/// a 500 whose details stay in the log (by type, never verbatim).
enum ProblemResponse {
    static func make(for error: any Error, request: Request, context: AppRequestContext, routes: RouteTable) -> Response {
        var headers = HTTPFields()
        let (domainError, entry) = classify(error, request: request, context: context, routes: routes, headers: &headers)
        let known = entry.shownCode == domainError.code
        let code = entry.shownCode
        let detail = known ? domainError.message : "An unexpected error occurred."

        var allowance: ProblemDetails.Allowance?
        var exceeded: LimitExceeded?
        var ssoStart: String?
        if known, let seconds = retryAfter(of: domainError) { headers[.retryAfter] = String(seconds) }
        switch known ? domainError.detail : nil {
        case .quotaExceeded(let quota):
            allowance = .init(
                name: quota.name, limit: quota.limit, used: quota.used, resetsAt: FastFormatting.timestamp(quota.resetsAt))
        case .retryAfter:
            break
        case .limitExceeded(let detail):
            exceeded = detail
        case .ssoRequired(let startPath):
            ssoStart = startPath
        case nil:
            break
        }
        if entry.status == .serviceUnavailable, headers[.retryAfter] == nil {
            headers[.retryAfter] = domainError.code == .overloaded ? "1" : "5"
        }
        if entry.status == .unauthorized {
            headers[.wwwAuthenticate] =
                domainError.code == .invalidToken ? #"Bearer error="invalid_token""# : #"Bearer realm="tenantry""#
        }
        var problem = ProblemDetails(
            type: ProblemDetails.typeURI(for: code),
            title: entry.title,
            status: entry.status.code,
            detail: detail,
            code: code.rawValue,
            requestID: context.requestID,
            errors: domainError.fieldErrors.isEmpty ? nil : domainError.fieldErrors,
            allowance: allowance
        )
        if let exceeded {
            problem.limit = exceeded.limit.rawValue
            problem.current = exceeded.current
            problem.allowed = exceeded.allowed
        }
        problem.ssoURL = ssoStart
        return encode(problem, status: entry.status, headers: headers)
    }

    static func encode(_ problem: ProblemDetails, status: HTTPResponse.Status, headers: HTTPFields) -> Response {
        var headers = headers
        let body: Data
        do {
            body = try JSONCoding.encoder.encode(problem)
        } catch {
            body = Data(#"{"type":"urn:tenantry:problem:internal_error","status":500}"#.utf8)
        }
        headers[.contentType] = "application/problem+json"
        headers[.contentLength] = String(body.count)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The seconds a client should wait before trying again, for an error that says so.
    static func retryAfter(of error: TenantryError) -> Int? {
        switch error.detail {
        case .quotaExceeded(let quota): max(1, Int(quota.resetsAt.timeIntervalSinceNow.rounded(.up)))
        case .retryAfter(let seconds): seconds
        default: nil
        }
    }

    /// The domain error an error stands for and its catalogue entry, logging a server-side
    /// failure: what both the problem+json answer and the consoles' error page show.
    static func classify(
        _ error: any Error, request: Request, context: AppRequestContext, routes: RouteTable, headers: inout HTTPFields
    ) -> (error: TenantryError, entry: ProblemCatalog.Entry) {
        let domainError = domainError(for: error, request: request, routes: routes, headers: &headers)
        let entry = ProblemCatalog.entry(for: domainError.code)
        // A 503 the server chose (readiness while it shuts down, billing or backups not
        // configured) is no failure; an unreachable database is worth a warning, since
        // readiness and metrics show it too.
        let deliberate =
            (domainError.code == .unavailable && domainError.cause == nil) || domainError.code == .billingDisabled
            || domainError.code == .backupsDisabled
        if entry.status.code >= 500 && !deliberate {
            context.logger.log(
                level: domainError.code == .unavailable ? .warning : .error,
                "request failed",
                metadata: ErrorDiagnostics.metadata(for: domainError).merging([
                    "error.source": .string("\(domainError.file):\(domainError.line)")
                ]) { $1 }
            )
        }
        return (domainError, entry)
    }

    private static func domainError(
        for error: any Error,
        request: Request,
        routes: RouteTable,
        headers: inout HTTPFields
    ) -> TenantryError {
        switch error {
        case let error as TenantryError:
            return error
        case let error as HTTPError:
            switch error.status {
            case .notFound:
                let allowed = routes.allowedMethods(for: request.uri.path)
                if !allowed.isEmpty {
                    headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
                    return TenantryError(
                        .methodNotAllowed,
                        "\(request.method.rawValue) is not allowed on this path; use \(headers[.allow] ?? "")."
                    )
                }
                return TenantryError(.routeNotFound, "No route matches \(request.method.rawValue) \(request.uri.path).")
            case .contentTooLarge:
                return TenantryError(.payloadTooLarge, "The body is too large.")
            case .unsupportedMediaType:
                return TenantryError(.unsupportedMediaType, "Send the body as application/json.")
            case .badRequest:
                return TenantryError(.badRequest, "The request is malformed.")
            default:
                return TenantryError(.internalError, "An unexpected error occurred.", cause: error)
            }
        default:
            return TenantryError(.internalError, "An unexpected error occurred.", cause: error)
        }
    }
}
