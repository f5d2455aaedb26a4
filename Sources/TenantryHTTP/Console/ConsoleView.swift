import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore
import TenantryCore

/// The consoles' files embedded in the binary (decision 0026): templates, string catalogues,
/// the stylesheet and htmx.
enum ConsoleResources {
    static let englishStrings = PackageResources.en_json
    static let portugueseStrings = PackageResources.pt_BR_json
    static let stylesheet = PackageResources.console_css
    static let htmx = PackageResources.htmx_2_min_js

    /// Every template by name (its file name without `.mustache`).
    static let templates: [String: [UInt8]] = [
        "layout": PackageResources.layout_mustache,
        "sign-in": PackageResources.sign_in_mustache,
        "sign-up": PackageResources.sign_up_mustache,
        "mfa": PackageResources.mfa_mustache,
        "accept-invitation": PackageResources.accept_invitation_mustache,
        "error": PackageResources.error_mustache,
        "overview": PackageResources.overview_mustache,
        "members": PackageResources.members_mustache,
        "api-keys": PackageResources.api_keys_mustache,
        "profile": PackageResources.profile_mustache,
        "security": PackageResources.security_mustache,
        "admin-overview": PackageResources.admin_overview_mustache,
        "admin-tenants": PackageResources.admin_tenants_mustache,
        "admin-tenant": PackageResources.admin_tenant_mustache,
        "webhooks": PackageResources.webhooks_mustache,
        "webhook": PackageResources.webhook_mustache,
        "webhook-message": PackageResources.webhook_message_mustache,
        "teams": PackageResources.teams_mustache,
        "team": PackageResources.team_mustache,
        "roles": PackageResources.roles_mustache,
        "role": PackageResources.role_mustache,
        "audit": PackageResources.audit_mustache,
        "usage": PackageResources.usage_mustache,
        "settings": PackageResources.settings_mustache,
        "data": PackageResources.data_mustache,
        "billing": PackageResources.billing_mustache,
        "admin-plans": PackageResources.admin_plans_mustache,
        "admin-audit": PackageResources.admin_audit_mustache,
        "webhook-sources": PackageResources.webhook_sources_mustache,
        "webhook-source": PackageResources.webhook_source_mustache,
        "admin-platform-audit": PackageResources.admin_platform_audit_mustache,
        "admin-operators": PackageResources.admin_operators_mustache,
        "admin-plan": PackageResources.admin_plan_mustache,
        "plan-fields": PackageResources.plan_fields_mustache,
        "domain": PackageResources.domain_mustache,
        "domains": PackageResources.domains_mustache,
        "sso-connection": PackageResources.sso_connection_mustache,
        "sso": PackageResources.sso_mustache,
        "sso-landing": PackageResources.sso_landing_mustache,
    ]
}

/// Renders the consoles' pages: a page template inside the layout, in one language, with a
/// fresh nonce for its one `<style>` element and a Content-Security-Policy that allows no
/// inline script.
struct ConsoleView: Sendable {
    let library: MustacheLibrary
    let strings: ConsoleStrings
    let stylesheet: ConsoleAsset
    let htmx: ConsoleAsset

    /// The view of the embedded templates and catalogues, parsed once.
    static let shared = embedded()

    /// Parses the embedded templates, once per language: each catalogue tag (`{{t.members.title}}`)
    /// is replaced by its escaped words before parsing, so rendering looks up only the page's
    /// own values. A template that does not parse fails the first test run.
    static func embedded() -> ConsoleView {
        var library = MustacheLibrary()
        let strings = ConsoleStrings.embedded
        for (name, bytes) in ConsoleResources.templates {
            let source = includingParts(String(decoding: bytes, as: UTF8.self))
            for language in Language.allCases {
                do {
                    try library.register(
                        resolvingCatalogue(source, strings, language), named: templateName(name, language))
                } catch {
                    preconditionFailure("The console template \(name) does not parse: \(error)")
                }
            }
        }
        return ConsoleView(
            library: library, strings: strings,
            stylesheet: ConsoleAsset(
                ConsoleResources.stylesheet, path: "/console/assets/console.css", contentType: "text/css; charset=utf-8"),
            htmx: ConsoleAsset(
                ConsoleResources.htmx, path: "/console/assets/htmx.js", contentType: "text/javascript; charset=utf-8"))
    }

    /// `source` with each `{{> name}}` replaced by the template `name` (a part several pages
    /// share, such as a form's fields), before the catalogue's words go in.
    static func includingParts(_ source: String) -> String {
        source.replacing(/\{\{>\s*([a-z\-]+)\s*\}\}/) { match in
            guard let part = ConsoleResources.templates[String(match.output.1)] else {
                preconditionFailure("A console template includes \(match.output.1), which does not exist.")
            }
            return String(decoding: part, as: UTF8.self)
        }
    }

    /// The name a template is registered under in one language.
    static func templateName(_ name: String, _ language: Language) -> String {
        "\(name)@\(language.rawValue)"
    }

    /// `source` with every `{{t.key}}` replaced by the key's words in `language`, escaped as
    /// Mustache escapes a value (`{{{t.key}}}` is replaced unescaped); a tag naming no key stays.
    static func resolvingCatalogue(_ source: String, _ strings: ConsoleStrings, _ language: Language) -> String {
        let flat = strings.catalogues[language]?.flat ?? [:]
        return source.replacing(/\{\{(\{?)t\.([A-Za-z0-9_.\-]+)\}?\}\}/) { match in
            guard let text = flat[String(match.output.2)] else { return String(match.output.0) }
            return match.output.1.isEmpty ? escapeHTML(text) : text
        }
    }

    /// Text for HTML: the five characters markup gives meaning to, escaped.
    static func escapeHTML(_ text: String) -> String {
        // Byte by byte: the five characters are ASCII, and UTF-8 never uses an ASCII byte
        // inside another character, so no character needs to be formed (most text has none).
        let utf8 = text.utf8
        guard utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else {
            return text
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count + 16)
        for byte in utf8 {
            switch byte {
            case 0x26: bytes.append(contentsOf: "&amp;".utf8)
            case 0x3C: bytes.append(contentsOf: "&lt;".utf8)
            case 0x3E: bytes.append(contentsOf: "&gt;".utf8)
            case 0x22: bytes.append(contentsOf: "&quot;".utf8)
            case 0x27: bytes.append(contentsOf: "&#39;".utf8)
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// What a page shows around its own content.
    enum Chrome {
        /// Sign-in, sign-up and the other pages shown before sign-in.
        case signedOut
        /// A member's console: the navigation and the sign-out form.
        case tenant(ConsoleNavigation)
        /// The operators' console.
        case admin(ConsoleNavigation)
    }

    /// One page to render.
    struct Page {
        /// The template's name.
        var template: String
        var language: Language
        /// The catalogue key of the page's title.
        var title: String
        var chrome: Chrome
        /// The form token every form of the page carries.
        var csrf: String
        /// The page's own values.
        var values: [String: Any] = [:]
        /// A notice (a finished action) or an error to announce at the top of the page.
        var notice: String?
        var error: String?
        /// The tenant's branding (name, logo, colours) when the page is one tenant's.
        var brand: ConsoleBrand?
        var status: HTTPResponse.Status = .ok
    }

    /// Renders `page` as a complete HTML response.
    func render(_ page: Page) -> Response {
        let language = page.language
        let nonce = SecretToken.generate(bytes: 16)
        var context = page.values
        context["lang"] = language.rawValue
        context["csrf"] = page.csrf
        context["title"] = strings.text(language, page.title)
        context["css"] = stylesheet.url
        context["js"] = htmx.url
        context["nonce"] = nonce
        if let notice = page.notice { context["notice"] = notice }
        if let error = page.error { context["error"] = error }
        switch page.chrome {
        case .signedOut:
            context["signedOut"] = true
        case .tenant(let navigation):
            context["nav"] = navigation.items(strings, language)
            context["signOutAction"] = "/console/sign-out"
            context["who"] = navigation.who
            context["home"] = "/console"
        case .admin(let navigation):
            context["nav"] = navigation.items(strings, language)
            context["signOutAction"] = "/admin/sign-out"
            context["who"] = navigation.who
            context["home"] = "/admin"
            context["operator"] = true
        }
        if let brand = page.brand {
            context["brand"] = brand.values
            if let style = brand.style { context["brandStyle"] = style }
        }
        let body = library.render(context, withTemplate: Self.templateName(page.template, language)) ?? ""
        context["body"] = body
        let html = library.render(context, withTemplate: Self.templateName("layout", language)) ?? body
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentSecurityPolicy] =
            "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-\(nonce)'; img-src 'self' https: data:; "
            + "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
        headers[.cacheControl] = "no-store"
        headers[.contentLanguage] = language.rawValue
        headers[.vary] = "Cookie, Accept-Language"
        return Response(status: page.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    /// A redirect after a form (303, so the browser follows with GET).
    static func redirect(_ location: String) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        return Response(status: .seeOther, headers: headers)
    }
}

/// The navigation of a signed-in console page: the links the person may follow (a link to a
/// page they may not see is not shown), the current one marked.
struct ConsoleNavigation {
    struct Item {
        var href: String
        /// The catalogue key of the link's text.
        var label: String
    }

    var items: [Item]
    var current: String
    /// Who is signed in, and where: shown beside the sign-out button.
    var who: String

    func items(_ strings: ConsoleStrings, _ language: Language) -> [[String: Any]] {
        items.map { item in
            var entry: [String: Any] = ["href": item.href, "label": strings.text(language, item.label)]
            if item.href == current { entry["current"] = true }
            return entry
        }
    }
}

/// A tenant's look on its pages: its name, its logo, and its colours as CSS custom properties.
struct ConsoleBrand {
    var name: String
    var logoURL: String?
    var primaryColor: String?
    var accentColor: String?

    var values: [String: Any] {
        var values: [String: Any] = ["name": name]
        if let logoURL { values["logo"] = logoURL }
        return values
    }

    /// `--brand: #…; --accent: #…` for the page's `<style nonce>`; only colours already
    /// validated as `#RRGGBB` reach it.
    var style: String? {
        var parts: [String] = []
        if let primaryColor, Self.isHexColor(primaryColor) { parts.append("--brand: \(primaryColor);") }
        if let accentColor, Self.isHexColor(accentColor) { parts.append("--accent: \(accentColor);") }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    static func isHexColor(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 7 && bytes[0] == UInt8(ascii: "#")
            && bytes.dropFirst().allSatisfy {
                ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) || ($0 >= 0x41 && $0 <= 0x46)
            }
    }
}
