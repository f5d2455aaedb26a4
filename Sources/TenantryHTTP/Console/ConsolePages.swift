import Foundation
import HTTPTypes
import Hummingbird
import TenantryApplication
import TenantryCore

/// What every console page needs: the renderer, the cookie session, the use cases, and the
/// tables that say which permission each API route needs (a console action takes its
/// permission from the API route it mirrors, so the two can never disagree).
struct ConsoleDependencies: Sendable {
    let view: ConsoleView
    let sessions: ConsoleSessions
    let useCases: UseCases
    let entitlements: EntitlementDirectory
    let accessTable: RouteAccessTable
    let usage: UsageMeter
    /// The tenants' usage reports.
    let usageReports: UsageReports
    /// The audit logs.
    let auditLog: AuditLog
    /// The tenant a console host names (branded sign-in).
    let hosts: TenantHosts
    /// The server's public base URL.
    let publicURL: String
    let maxBodySize: Int

    var strings: ConsoleStrings { view.strings }

    /// The language of a page: the person's preference, then the tenant's default, then the
    /// browser's `Accept-Language`, then English.
    func language(user: User?, tenantDefault: Language?, request: Request) -> Language {
        Language.preferred(user?.locale, tenantDefault?.rawValue, Self.acceptedLanguage(request))
    }

    /// The first language of `Accept-Language` that Tenantry writes (by the order of q-values).
    static func acceptedLanguage(_ request: Request) -> String? {
        guard let header = request.headers[.acceptLanguage] else { return nil }
        let tags = header.split(separator: ",").enumerated().compactMap { index, part -> (String, Double, Int)? in
            let pieces = part.split(separator: ";")
            guard let tag = pieces.first?.trimmingCharacters(in: .whitespaces), !tag.isEmpty else { return nil }
            var quality = 1.0
            for piece in pieces.dropFirst() {
                let trimmed = piece.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix("q="), let value = Double(trimmed.dropFirst(2)) { quality = value }
            }
            return (tag, quality, index)
        }
        return tags.filter { $0.1 > 0 }.sorted { ($0.1, -$0.2) > ($1.1, -$1.2) }
            .first { Language.matching($0.0) != nil }?.0
    }

    /// A signed-in page of either console: its chrome and branding from the request, the notice
    /// a redirect asked for, and an error to announce when an action was refused.
    func page(
        _ console: ConsoleRequest, _ template: String, title: String, values: [String: Any], error: String?,
        status: HTTPResponse.Status
    ) -> Response {
        let chrome: ConsoleView.Chrome =
            console.kind == .tenant ? .tenant(console.navigation) : .admin(console.navigation)
        var page = ConsoleView.Page(
            template: template, language: console.language, title: title, chrome: chrome, csrf: console.csrf,
            values: values)
        page.notice = notice(of: console.request, console.language)
        page.error = error
        page.brand = console.brand
        page.status = status
        return view.render(page)
    }

    /// The error page for `error`: its status as the API answers it, its message in the
    /// page's language (field problems listed), inside the page's chrome.
    func errorPage(
        _ error: any Error, request: Request, context: AppRequestContext, language: Language, chrome: ConsoleView.Chrome,
        csrf: String
    ) -> Response {
        var headers = HTTPFields()
        let (domainError, entry) = ProblemResponse.classify(
            error, request: request, context: context, routes: RouteTable(routes: []), headers: &headers)
        var page = ConsoleView.Page(
            template: "error", language: language, title: "errors.title", chrome: chrome, csrf: csrf)
        page.status = entry.status
        page.error = message(for: domainError, language)
        page.values["status"] = entry.status.code
        page.values["requestID"] = context.requestID
        var response = view.render(page)
        if let seconds = ProblemResponse.retryAfter(of: domainError) { response.headers[.retryAfter] = String(seconds) }
        return response
    }

    /// A domain error in words for a page: the catalogue's text for its code (the API's own
    /// message for codes the catalogue does not word), then each field's problem.
    func message(for error: TenantryError, _ language: Language) -> String {
        let entry = ProblemCatalog.entry(for: error.code)
        let key = "errors.\(entry.shownCode.rawValue)"
        var text =
            strings.catalogues[language]?.flat[key]
            ?? (entry.shownCode == error.code ? error.message : strings.text(language, "errors.internal_error"))
        for field in error.fieldErrors {
            // English has the API's own words for each problem; Portuguese the catalogue's.
            let reason =
                language == .english
                ? field.message
                : strings.catalogues[language]?.flat["validation.\(field.code)"] ?? strings.text(language, "validation.invalid")
            let name = strings.catalogues[language]?.flat["fields.\(field.field)"] ?? field.field
            text += " " + strings.text(language, "validation.field", ["field": name, "problem": reason])
        }
        return text
    }

    /// The notice a redirect asked for (`?notice=code`), when the catalogue has words for it.
    func notice(of request: Request, _ language: Language) -> String? {
        guard let code = request.uri.queryParameters["notice"].map(String.init), code.utf8.count <= 64 else { return nil }
        return strings.catalogues[language]?.flat["notices.\(code)"]
    }

    /// Where a console sends a browser without a usable session: its sign-in page, with the
    /// reason when the session ended, and the session's cookies removed.
    func signInRedirect(_ kind: ConsoleKind, ended: ConsoleSessions.Ended) -> Response {
        let location = ended.notice.map { "\(kind.signIn)?notice=\($0)" } ?? kind.signIn
        let response = ConsoleView.redirect(location)
        if case .none = ended { return response }
        return sessions.withoutCookies(response, kind: kind)
    }

    /// The API route's declared access, for a console action that mirrors it.
    func apiRoute(_ method: HTTPRequest.Method, _ path: String) -> RouteAccess {
        guard let route = accessTable.routes.first(where: { $0.method == method && $0.path == path }) else {
            preconditionFailure("The console mirrors \(method) \(path), which is no API route.")
        }
        return route
    }
}

/// One request to a signed-in console page.
struct ConsoleRequest: Sendable {
    /// Which console the request is for.
    let kind: ConsoleKind
    let request: Request
    let context: AppRequestContext
    let caller: AuthenticatedCaller
    let user: User
    let language: Language
    /// The session's form token.
    let csrf: String
    /// The posted form (unsafe methods only).
    let form: FormBody
    /// A member's access in their tenant (the tenant console only).
    let access: TenantAccess?
    /// The member's tenant (the tenant console only).
    let tenant: Tenant?
    /// The tenant's branding (the tenant console only).
    let brand: ConsoleBrand?
    /// The navigation of the console, filtered by what the person may see.
    let navigation: ConsoleNavigation

    var origin: AuditEvent.Origin { context.origin(of: request) }

    /// The member's access; only the tenant console's handlers run with one.
    func tenantAccess() throws -> TenantAccess {
        guard let access else { throw TenantryError(.tenantRequired, "Sign in to a tenant.") }
        return access
    }

    /// The page a list shows: the request's `limit` and `cursor` (the API's checks), at most
    /// ``maximumPage`` items, so that a page stays light.
    func pageRequest() throws -> PageRequest {
        var page = try request.pageRequest()
        page.limit = min(page.limit, Self.maximumPage)
        return page
    }

    /// The longest list a console page shows at once.
    static let maximumPage = 50

    /// A query parameter, trimmed; `nil` when absent or blank. The query is read as a form
    /// (a GET form writes a space as `+`).
    func query(_ name: String) -> String? {
        FormBody(request.uri.query ?? "").text(name)
    }
}
