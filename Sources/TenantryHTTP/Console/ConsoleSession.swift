import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import TenantryApplication
import TenantryCore

/// Which console a request is for: each keeps its session in its own cookies, scoped to its
/// path, so an operator signed in at `/admin` and a member at `/console` in one browser do not
/// replace each other.
enum ConsoleKind: Sendable {
    /// A tenant's console, under `/console`.
    case tenant
    /// The operators' console, under `/admin`.
    case admin

    /// The path the console lives under.
    var root: String {
        switch self {
        case .tenant: "/console"
        case .admin: "/admin"
        }
    }

    /// The cookie holding the access token.
    var accessCookie: String {
        switch self {
        case .tenant: "tenantry_console"
        case .admin: "tenantry_admin"
        }
    }

    /// The cookie holding the refresh token.
    var refreshCookie: String { accessCookie + "_refresh" }

    /// The sign-in page.
    var signIn: String { root + "/sign-in" }

    /// The cookie that carries a sign-in's second-step token from the password to the code.
    var secondStepCookie: String { accessCookie + "_mfa" }
}

/// The consoles' cookie session (decision 0026): the API's session, its access token and
/// refresh token kept in `httpOnly`, `SameSite=Strict` cookies; an expired access token is
/// refreshed on the server and the new cookies go out with the answer. A signed-in form
/// carries a token bound to the session (HMAC of the session id under a key derived from the
/// master key); the forms shown before sign-in compare their field with a random cookie
/// (double submit).
struct ConsoleSessions: Sendable {
    let authentication: CallerAuthentication
    let refresh: RefreshService
    /// Whether cookies get `Secure` (not on a plain-http public URL).
    let secureCookies: Bool
    /// The session lifetime: how long the cookies are kept.
    let lifetime: Int
    /// Signs the per-session form tokens.
    let csrfKey: SymmetricKey

    /// The cookie of the forms shown before sign-in (double submit).
    static let anonymousCSRFCookie = "tenantry_console_csrf"
    /// The form field (and htmx header) that carries the token.
    static let csrfField = "csrf"
    static let csrfHeader = HTTPField.Name.constant("X-CSRF-Token")

    /// A signed-in browser: the API caller, and the cookies to send back when its tokens were
    /// just refreshed.
    struct Session: Sendable {
        var caller: AuthenticatedCaller
        var grant: AccessDirectory.MemberGrant?
        var refreshed: IssuedTokens?
    }

    /// Why a request has no usable session: the sign-in page says so.
    enum Ended: Error, Sendable {
        /// No cookies: never signed in, or signed out.
        case none
        /// The session ended (expired, revoked, membership removed): sign in again.
        case expired
        /// The tenant or the membership is suspended.
        case suspended(TenantryError.Code)

        /// The notice code shown on the sign-in page, if any.
        var notice: String? {
            switch self {
            case .none: nil
            case .expired: "session_ended"
            case .suspended(let code): code.rawValue
            }
        }
    }

    /// The session of `request` in `kind`'s cookies, refreshing an expired access token once.
    func session(of request: Request, kind: ConsoleKind, origin: AuditEvent.Origin) async throws(Ended) -> Session {
        let cookies = request.cookies
        let access = cookies[kind.accessCookie]?.value ?? ""
        let refreshToken = cookies[kind.refreshCookie]?.value ?? ""
        if access.isEmpty && refreshToken.isEmpty { throw .none }
        if !access.isEmpty {
            do {
                let (caller, grant) = try await authentication.authenticateMember(accessToken: access)
                return Session(caller: caller, grant: grant, refreshed: nil)
            } catch let error as TenantryError where error.code == .invalidToken && !refreshToken.isEmpty {
                // Expired (or from a rotated key): the refresh token below decides.
            } catch let error as TenantryError {
                throw Self.ended(by: error)
            } catch {
                throw .expired
            }
        }
        do {
            let result = try await refresh.refresh(token: refreshToken, origin: origin)
            let (caller, grant) = try await authentication.authenticateMember(accessToken: result.tokens.accessToken)
            return Session(caller: caller, grant: grant, refreshed: result.tokens)
        } catch let error as TenantryError {
            throw Self.ended(by: error)
        } catch {
            throw .expired
        }
    }

    private static func ended(by error: TenantryError) -> Ended {
        switch error.code {
        case .memberSuspended, .tenantSuspended: .suspended(error.code)
        default: .expired
        }
    }

    /// `response` with the session's cookies set (after sign-in or a refresh).
    func withCookies(_ response: Response, tokens: IssuedTokens, kind: ConsoleKind) -> Response {
        var response = response
        response.setCookie(cookie(kind.secondStepCookie, "", path: kind.signIn, maxAge: 0))
        response.setCookie(cookie(kind.accessCookie, tokens.accessToken, path: kind.root))
        if let refreshToken = tokens.refreshToken {
            response.setCookie(cookie(kind.refreshCookie, refreshToken, path: kind.root))
        }
        return response
    }

    /// `response` with the second-step token of a sign-in kept for the code page (five
    /// minutes, as long as the token works; never in a URL).
    func withSecondStep(_ response: Response, token: String, enrol: Bool, kind: ConsoleKind) -> Response {
        var response = response
        response.setCookie(
            cookie(kind.secondStepCookie, (enrol ? "e." : "v.") + token, path: kind.signIn, maxAge: 300))
        return response
    }

    /// The second step waiting in `request`'s cookie: its token and whether it enrols a factor.
    func secondStep(of request: Request, kind: ConsoleKind) -> (token: String, enrol: Bool)? {
        guard let value = request.cookies[kind.secondStepCookie]?.value, value.utf8.count > 2 else { return nil }
        let enrol = value.hasPrefix("e.")
        guard enrol || value.hasPrefix("v.") else { return nil }
        return (String(value.dropFirst(2)), enrol)
    }

    /// `response` with `kind`'s session cookies removed.
    func withoutCookies(_ response: Response, kind: ConsoleKind) -> Response {
        var response = response
        response.setCookie(cookie(kind.accessCookie, "", path: kind.root, maxAge: 0))
        response.setCookie(cookie(kind.refreshCookie, "", path: kind.root, maxAge: 0))
        return response
    }

    private func cookie(
        _ name: String, _ value: String, path: String, maxAge: Int? = nil, sameSite: Cookie.SameSite = .strict
    ) -> Cookie {
        Cookie(
            name: name, value: value, maxAge: maxAge ?? lifetime, path: path, secure: secureCookies, httpOnly: true,
            sameSite: sameSite)
    }

    // MARK: Single sign-on

    /// The cookie that binds a single sign-on started on the console's sign-in page to the
    /// browser that started it: the landing page's `state` must match it (no sign-in forced
    /// on someone else's browser). `SameSite=Lax`, since the identity provider sends the
    /// browser back from another site.
    static let ssoStateCookie = "tenantry_console_sso"
    /// The console page a single sign-on starts from and lands on.
    static let ssoPath = "/console/sign-in/sso"

    /// `response` with a sign-on's state kept for its landing (ten minutes, as long as the
    /// provider has to answer).
    func withSSOState(_ response: Response, _ state: String) -> Response {
        var response = response
        response.setCookie(
            cookie(Self.ssoStateCookie, state, path: Self.ssoPath, maxAge: Int(SingleSignOnService.flowLifetime), sameSite: .lax))
        return response
    }

    /// The state of the sign-on `request`'s browser started, if any.
    func ssoState(of request: Request) -> String? {
        guard let value = request.cookies[Self.ssoStateCookie]?.value, value.utf8.count >= 22 else { return nil }
        return value
    }

    /// `response` with the sign-on's state removed (it works once).
    func withoutSSOState(_ response: Response) -> Response {
        var response = response
        response.setCookie(cookie(Self.ssoStateCookie, "", path: Self.ssoPath, maxAge: 0, sameSite: .lax))
        return response
    }

    // MARK: CSRF

    /// The form token of a signed-in session.
    func csrfToken(for session: SessionID) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("console-csrf:\(session)".utf8), using: csrfKey)
        return SecretToken.base64URL(Data(mac))
    }

    /// Refuses an unsafe request whose form token (field or `X-CSRF-Token` header) is not the
    /// session's: 403 `forbidden`.
    func checkCSRF(_ submitted: String?, session: SessionID) throws {
        guard let submitted, SecretToken.matches(submitted, csrfToken(for: session)) else {
            throw Self.csrfRefused
        }
    }

    /// The double-submit token of a request made before sign-in: the cookie's value, or a new
    /// one (set on the response with ``withAnonymousToken(_:_:)``).
    func anonymousToken(of request: Request) -> (token: String, isNew: Bool) {
        if let value = request.cookies[Self.anonymousCSRFCookie]?.value, value.utf8.count >= 22 {
            return (value, false)
        }
        return (SecretToken.generate(bytes: 16), true)
    }

    /// `response` with the double-submit cookie set.
    func withAnonymousToken(_ response: Response, _ token: String) -> Response {
        var response = response
        response.setCookie(cookie(Self.anonymousCSRFCookie, token, path: "/", maxAge: 86_400))
        return response
    }

    /// Refuses a form posted before sign-in whose field does not match its cookie.
    func checkAnonymousCSRF(_ submitted: String?, request: Request) throws {
        guard let cookie = request.cookies[Self.anonymousCSRFCookie]?.value, cookie.utf8.count >= 22,
            let submitted, SecretToken.matches(submitted, cookie)
        else { throw Self.csrfRefused }
    }

    static let csrfRefused = TenantryError(
        .forbidden, "The form has expired or did not come from this site; reload the page and try again.")
}
