public import Foundation

/// Providers known by name, so an administrator picks one instead of typing an issuer. Each gives
/// the issuer to discover; the client id and secret come from the provider's console.
public enum OpenIDProviderPreset: Sendable, Hashable {
    /// Google (Workspace and consumer accounts): issuer `https://accounts.google.com`. Google's
    /// ID tokens carry `email_verified`; `hd` names a Workspace domain (send `hd` in the
    /// authorization request's extra parameters to preselect one; it is a hint, not a check).
    case google
    /// Microsoft Entra ID (v2.0 endpoints): issuer `https://login.microsoftonline.com/<tenant>/v2.0`.
    ///
    /// `tenant` is a directory id (a GUID) or a verified domain for a single-tenant connection,
    /// or `common` / `organizations` for a multi-tenant one. The multi-tenant discovery
    /// documents name the issuer `https://login.microsoftonline.com/{tenantid}/v2.0`; the
    /// token's `tid` claim takes the placeholder's place when its `iss` is checked, so the
    /// connection must also check which `tid` values it accepts. Entra ID does not send
    /// `email_verified`: treat its `email` as unverified unless the connection says otherwise.
    case microsoft(tenant: String)

    /// The issuer to pass to ``HTTPOpenIDConnectClient/discover(issuer:)``.
    public var issuer: URL {
        switch self {
        case .google:
            return Self.url("https://accounts.google.com")
        case .microsoft(let tenant):
            let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-."))
            let segment = tenant.addingPercentEncoding(withAllowedCharacters: allowed) ?? "common"
            return Self.url("https://login.microsoftonline.com/\(segment)/v2.0")
        }
    }

    /// Whether the provider's discovery document names a `{tenantid}` issuer (Entra ID's
    /// `common` and `organizations`).
    public var hasTenantPlaceholderIssuer: Bool {
        switch self {
        case .google:
            return false
        case .microsoft(let tenant):
            return ["common", "organizations"].contains(tenant.lowercased())
        }
    }

    private static func url(_ text: String) -> URL {
        // The texts above are literal, valid URLs; the fallback is never taken.
        URL(string: text) ?? URL(fileURLWithPath: "/")
    }
}
