import Mustache

/// The emails Tenantry sends, rendered from Mustache templates in English or Brazilian
/// Portuguese (``Language``). Text bodies use triple mustaches (no HTML escaping); HTML bodies
/// escape every value.
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

    private static let portugueseSources: [Kind: Source] = [
        .verifyEmail: Source(
            subject: "Confirme seu endereço de email em {{{tenant_name}}}",
            text: """
                Olá, {{{name}}},

                confirme seu endereço de email em {{{tenant_name}}} abrindo este link:

                {{{link}}}

                O link vale por {{{valid_for}}}. Se você não se cadastrou, ignore este email.
                """,
            html: """
                <p>Olá, {{name}},</p>
                <p>confirme seu endereço de email em <strong>{{tenant_name}}</strong>:</p>
                <p><a href="{{link}}">Confirmar meu endereço de email</a></p>
                <p>O link vale por {{valid_for}}. Se você não se cadastrou, ignore este email.</p>
                """
        ),
        .resetPassword: Source(
            subject: "Redefina sua senha de {{{tenant_name}}}",
            text: """
                Olá, {{{name}}},

                alguém pediu para redefinir a senha da sua conta em {{{tenant_name}}}. Para
                escolher uma nova senha, abra este link:

                {{{link}}}

                O link vale por {{{valid_for}}} e uma única vez. Se não foi você, ignore este
                email: sua senha continua a mesma.
                """,
            html: """
                <p>Olá, {{name}},</p>
                <p>alguém pediu para redefinir a senha da sua conta em <strong>{{tenant_name}}</strong>.</p>
                <p><a href="{{link}}">Escolher uma nova senha</a></p>
                <p>O link vale por {{valid_for}} e uma única vez. Se não foi você, ignore este email.</p>
                """
        ),
        .memberAdded: Source(
            subject: "Você foi adicionado a {{{tenant_name}}}",
            text: """
                Olá, {{{name}}},

                um administrador de {{{tenant_name}}} adicionou você como membro. Para escolher
                sua senha e entrar, abra este link:

                {{{link}}}

                O link vale por {{{valid_for}}} e uma única vez.
                """,
            html: """
                <p>Olá, {{name}},</p>
                <p>um administrador de <strong>{{tenant_name}}</strong> adicionou você como membro.</p>
                <p><a href="{{link}}">Escolher minha senha</a></p>
                <p>O link vale por {{valid_for}} e uma única vez.</p>
                """
        ),
        .invitation: Source(
            subject: "Você foi convidado para {{{tenant_name}}}",
            text: """
                Olá,

                {{{name}}} convidou você para participar de {{{tenant_name}}}. Para aceitar, abra
                este link:

                {{{link}}}

                O convite vale por {{{valid_for}}}. Se você não conhece {{{tenant_name}}}, ignore
                este email.
                """,
            html: """
                <p>Olá,</p>
                <p>{{name}} convidou você para participar de <strong>{{tenant_name}}</strong>.</p>
                <p><a href="{{link}}">Aceitar o convite</a></p>
                <p>O convite vale por {{valid_for}}. Se você não conhece {{tenant_name}}, ignore este email.</p>
                """
        ),
        .webhookEndpointDisabled: Source(
            subject: "Um endpoint de webhook de {{{tenant_name}}} foi desativado",
            text: """
                Olá, {{{name}}},

                o Tenantry parou de enviar eventos de {{{tenant_name}}} a um endpoint de webhook:

                {{{detail}}}

                Enquanto ele estiver desativado, novos eventos não são enfileirados para ele.
                Quando o endpoint voltar a funcionar, ative-o (endpoint de webhook {{{link}}}) e
                recupere as mensagens que falharam nesse meio-tempo.
                """,
            html: """
                <p>Olá, {{name}},</p>
                <p>o Tenantry parou de enviar eventos de <strong>{{tenant_name}}</strong> a um endpoint de webhook:</p>
                <p>{{detail}}</p>
                <p>Enquanto ele estiver desativado, novos eventos não são enfileirados para ele. Quando o endpoint
                voltar a funcionar, ative-o (endpoint de webhook <code>{{link}}</code>) e recupere as mensagens que
                falharam nesse meio-tempo.</p>
                """
        ),
    ]

    /// Why a webhook endpoint was disabled, in `language`, for the email's `detail`: `reason`
    /// is `gone` (it answered 410) or the failure window's end.
    public static func webhookDisabledDetail(host: String, endpoint: String, reason: String, language: Language) -> String {
        switch language {
        case .english:
            let why =
                reason == "gone"
                ? "it answered 410 Gone, which asks senders to stop"
                : "every delivery failed for the whole failure window, without one success"
            return "\(host) (webhook endpoint \(endpoint)): \(why)."
        case .portuguese:
            let why =
                reason == "gone"
                ? "ele respondeu 410 Gone, que pede aos remetentes que parem"
                : "todas as entregas falharam durante toda a janela de falhas, sem nenhum sucesso"
            return "\(host) (endpoint de webhook \(endpoint)): \(why)."
        }
    }

    /// The HTML frame of a branded email: the tenant's colour as a rule above the message and
    /// its logo (an `https://` URL, already validated) at the top, named by the tenant.
    private static let brandedFrame = """
        <div style="border-top:4px solid {{primary_color}};padding-top:12px">
        {{#logo_url}}<p><img src="{{logo_url}}" alt="{{tenant_name}}" height="40"></p>{{/logo_url}}
        {{{body}}}
        </div>
        """

    /// Renders an email in `language`; with `branding`, its HTML body carries the tenant's logo
    /// and primary colour (white-label emails).
    public static func render(
        _ kind: Kind, to recipient: EmailAddress, language: Language = .english, branding: Branding? = nil, values: Values
    ) throws -> EmailMessage {
        let templates = language == .portuguese ? portugueseSources : sources
        guard let source = templates[kind] else {
            throw TenantryError(.internalError, "No template for \(kind.rawValue).")
        }
        let context = values.dictionary
        let subject = try MustacheTemplate(string: source.subject).render(context)
            .replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        return EmailMessage(
            to: recipient,
            subject: subject,
            textBody: try MustacheTemplate(string: source.text).render(context),
            htmlBody: try branded(try MustacheTemplate(string: source.html).render(context), branding, values: values)
        )
    }

    /// `body` in the branded frame, or as it is without branding.
    private static func branded(_ body: String, _ branding: Branding?, values: Values) throws -> String {
        guard let branding, branding.logoURL != nil || branding.primaryColor != nil else { return body }
        var frame: [String: Any] = [
            "body": body, "tenant_name": values.tenantName, "primary_color": branding.primaryColor ?? "transparent",
        ]
        if let logo = branding.logoURL { frame["logo_url"] = logo }
        return try MustacheTemplate(string: brandedFrame).render(frame)
    }
}
