import Mustache

/// The emails Tenantry sends, rendered from Mustache templates. Text bodies use triple mustaches
/// (no HTML escaping); HTML bodies escape every value.
public enum EmailTemplates {
    /// Values a template may use.
    public struct Values: Sendable {
        /// The recipient's display name.
        public var name: String
        /// The tenant the email is about (its name appears in subject and body).
        public var tenantName: String
        /// The link to follow.
        public var link: String
        /// How long the link works, in words ("24 hours").
        public var validFor: String
        /// What the email is about, for notices that carry no link (the endpoint that was
        /// disabled, and why).
        public var detail: String

        /// Creates values.
        public init(name: String, tenantName: String, link: String, validFor: String, detail: String = "") {
            self.name = name
            self.tenantName = tenantName
            self.link = link
            self.validFor = validFor
            self.detail = detail
        }

        var dictionary: [String: String] {
            ["name": name, "tenant_name": tenantName, "link": link, "valid_for": validFor, "detail": detail]
        }
    }

    /// An email the server can send.
    public enum Kind: String, Sendable, CaseIterable {
        case verifyEmail = "verify_email"
        case resetPassword = "reset_password"
        case memberAdded = "member_added"
        case invitation = "invitation"
        case webhookEndpointDisabled = "webhook_endpoint_disabled"
    }

    private struct Source {
        let subject: String
        let text: String
        let html: String
    }

    private static let sources: [Kind: Source] = [
        .verifyEmail: Source(
            subject: "Confirm your email address for {{{tenant_name}}}",
            text: """
                Hello {{{name}}},

                please confirm your email address for {{{tenant_name}}} by opening this link:

                {{{link}}}

                The link works for {{{valid_for}}}. If you did not sign up, ignore this email.
                """,
            html: """
                <p>Hello {{name}},</p>
                <p>please confirm your email address for <strong>{{tenant_name}}</strong>:</p>
                <p><a href="{{link}}">Confirm my email address</a></p>
                <p>The link works for {{valid_for}}. If you did not sign up, ignore this email.</p>
                """
        ),
        .resetPassword: Source(
            subject: "Reset your {{{tenant_name}}} password",
            text: """
                Hello {{{name}}},

                someone asked to reset the password of your {{{tenant_name}}} account. To choose a
                new password, open this link:

                {{{link}}}

                The link works for {{{valid_for}}} and only once. If it was not you, ignore this
                email: your password stays as it is.
                """,
            html: """
                <p>Hello {{name}},</p>
                <p>someone asked to reset the password of your <strong>{{tenant_name}}</strong> account.</p>
                <p><a href="{{link}}">Choose a new password</a></p>
                <p>The link works for {{valid_for}} and only once. If it was not you, ignore this email.</p>
                """
        ),
        .memberAdded: Source(
            subject: "You have been added to {{{tenant_name}}}",
            text: """
                Hello {{{name}}},

                an administrator of {{{tenant_name}}} added you as a member. To choose your
                password and sign in, open this link:

                {{{link}}}

                The link works for {{{valid_for}}} and only once.
                """,
            html: """
                <p>Hello {{name}},</p>
                <p>an administrator of <strong>{{tenant_name}}</strong> added you as a member.</p>
                <p><a href="{{link}}">Choose my password</a></p>
                <p>The link works for {{valid_for}} and only once.</p>
                """
        ),
        .invitation: Source(
            subject: "You are invited to join {{{tenant_name}}}",
            text: """
                Hello,

                {{{name}}} invited you to join {{{tenant_name}}}. To accept, open this link:

                {{{link}}}

                The invitation works for {{{valid_for}}}. If you do not know {{{tenant_name}}},
                ignore this email.
                """,
            html: """
                <p>Hello,</p>
                <p>{{name}} invited you to join <strong>{{tenant_name}}</strong>.</p>
                <p><a href="{{link}}">Accept the invitation</a></p>
                <p>The invitation works for {{valid_for}}. If you do not know {{tenant_name}}, ignore this email.</p>
                """
        ),
        .webhookEndpointDisabled: Source(
            subject: "A webhook endpoint of {{{tenant_name}}} was disabled",
            text: """
                Hello {{{name}}},

                Tenantry stopped sending events of {{{tenant_name}}} to a webhook endpoint:

                {{{detail}}}

                New events are not queued for it while it is disabled. Once the endpoint works
                again, enable it (webhook endpoint {{{link}}}) and recover the messages that
                failed meanwhile.
                """,
            html: """
                <p>Hello {{name}},</p>
                <p>Tenantry stopped sending events of <strong>{{tenant_name}}</strong> to a webhook endpoint:</p>
                <p>{{detail}}</p>
                <p>New events are not queued for it while it is disabled. Once the endpoint works again, enable it
                (webhook endpoint <code>{{link}}</code>) and recover the messages that failed meanwhile.</p>
                """
        ),
    ]

    /// Renders an email.
    public static func render(_ kind: Kind, to recipient: EmailAddress, values: Values) throws -> EmailMessage {
        guard let source = sources[kind] else {
            throw TenantryError(.internalError, "No template for \(kind.rawValue).")
        }
        let context = values.dictionary
        let subject = try MustacheTemplate(string: source.subject).render(context)
            .replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        return EmailMessage(
            to: recipient,
            subject: subject,
            textBody: try MustacheTemplate(string: source.text).render(context),
            htmlBody: try MustacheTemplate(string: source.html).render(context)
        )
    }
}
