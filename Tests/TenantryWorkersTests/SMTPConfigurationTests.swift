import TenantryCore
import Testing

@testable import TenantryWorkers

@Suite("SMTP configuration")
struct SMTPConfigurationTests {
    @Test("smtp:// defaults to port 587 and mandatory STARTTLS")
    func smtpDefaults() throws {
        let configuration = try SMTPConfiguration(url: "smtp://mail.example.org?from=no-reply@example.org")
        #expect(configuration.host == "mail.example.org")
        #expect(configuration.port == 587)
        #expect(configuration.tls == .startTLS)
        #expect(configuration.credentials == nil)
        #expect(configuration.from.rawValue == "no-reply@example.org")
        #expect(configuration.fromName == nil)
        #expect(configuration.caFile == nil)
        #expect(configuration.timeout == .seconds(10))
        #expect(configuration.heloName == "localhost")
    }

    @Test("smtps:// is implicit TLS on port 465")
    func smtpsDefaults() throws {
        let configuration = try SMTPConfiguration(url: "SMTPS://Mail.Example.org/?from=no-reply@example.org")
        #expect(configuration.host == "mail.example.org")
        #expect(configuration.port == 465)
        #expect(configuration.tls == .required)
        #expect(try SMTPConfiguration(url: "smtp://h.example?tls=required&from=a@example.org").port == 465)
        #expect(try SMTPConfiguration(url: "smtps://h.example?tls=required&from=a@example.org").tls == .required)
    }

    @Test("every part of a full URL is read, with user and password percent-decoded")
    func fullURL() throws {
        let configuration = try SMTPConfiguration(
            url: "smtp://mailer%40example.org:p%40ss%3Aw%2Ford%25@[::1]:2525?tls=none&from=No-Reply@Example.org"
                + "&name=T%C3%A9nantry%20Support&timeout=2.5&helo=worker.example.org"
        )
        #expect(configuration.host == "::1")
        #expect(configuration.port == 2525)
        #expect(configuration.tls == .none)
        #expect(
            configuration.credentials == SMTPConfiguration.Credentials(username: "mailer@example.org", password: "p@ss:w/ord%"))
        #expect(configuration.from.rawValue == "no-reply@example.org")
        #expect(configuration.fromName == "Ténantry Support")
        #expect(configuration.timeout == .milliseconds(2500))
        #expect(configuration.heloName == "worker.example.org")

        let withCA = try SMTPConfiguration(url: "smtp://user:pw@127.0.0.1:25?from=a@example.org&ca=/etc/ssl/ca%20file.pem")
        #expect(withCA.caFile == "/etc/ssl/ca file.pem")
        #expect(withCA.port == 25)
    }

    @Test("the password never appears in description, debug description or dump")
    func passwordHidden() throws {
        let configuration = try SMTPConfiguration(
            url: "smtps://mailer:Sup3rS3cret@mail.example.org?from=no-reply@example.org&ca=/ca.pem"
        )
        #expect(
            configuration.description == "smtps://mailer@mail.example.org:465?tls=required&from=no-reply@example.org&ca=/ca.pem")
        #expect(!"\(configuration)".contains("Sup3rS3cret"))
        #expect(!String(reflecting: configuration).contains("Sup3rS3cret"))
        var dumped = ""
        dump(configuration, to: &dumped)
        #expect(!dumped.contains("Sup3rS3cret"))
        #expect(dumped.contains("mailer"))
        #expect(!"\(configuration.credentials as Any)".contains("Sup3rS3cret"))
        let ipv6 = try SMTPConfiguration(url: "smtp://[::1]:2525?tls=none&from=a@example.org")
        #expect(ipv6.description == "smtp://[::1]:2525?tls=none&from=a@example.org")
    }

    @Test(
        "malformed URLs are refused as invalid_email_url for TENANTRY_EMAIL_URL",
        arguments: [
            "",
            "log:",
            "http://mail.example.org?from=a@example.org",
            "smtp://mail.example.org",
            "smtp://mail.example.org?from=",
            "smtp://mail.example.org?from=not-an-address",
            "smtp://mail.example.org?from=a%3Cb@example.org",
            "smtp://?from=a@example.org",
            "smtp://mail.example.org:0?from=a@example.org",
            "smtp://mail.example.org:70000?from=a@example.org",
            "smtp://mail.example.org:25x?from=a@example.org",
            "smtp://mail.example.org/inbox?from=a@example.org",
            "smtp://mail.example.org?from=a@example.org#x",
            "smtp://mail.example.org?from=a@example.org&tls=maybe",
            "smtp://mail.example.org?from=a@example.org&tsl=none",
            "smtp://mail.example.org?from=a@example.org&from=b@example.org",
            "smtps://mail.example.org?from=a@example.org&tls=starttls",
            "smtps://mail.example.org?from=a@example.org&tls=none",
            "smtp://user:pw@mail.example.org?from=a@example.org&tls=none",
            "smtp://user@mail.example.org?from=a@example.org",
            "smtp://:pw@mail.example.org?from=a@example.org",
            "smtp://user:@mail.example.org?from=a@example.org",
            "smtp://us%zzer:pw@mail.example.org?from=a@example.org",
            "smtp://user:pw%FF@mail.example.org?from=a@example.org",
            "smtp://mail.example.org?from=a@example.org&timeout=0",
            "smtp://mail.example.org?from=a@example.org&timeout=-1",
            "smtp://mail.example.org?from=a@example.org&timeout=301",
            "smtp://mail.example.org?from=a@example.org&timeout=soon",
            "smtp://mail.example.org?from=a@example.org&name=A%0D%0ABcc:%20x@y.z",
            "smtp://mail.example.org?from=a@example.org&tls=none&ca=/ca.pem",
            "smtp://mail.example.org?from=a@example.org&helo=bad%20name",
            "smtp://mail example.org?from=a@example.org",
            "smtp://mail_host?from=a@example.org",
            "smtp://[::1?from=a@example.org",
            "smtp://mail.example.org?from=a@example.org\r\n",
        ]
    )
    func invalidURLs(url: String) throws {
        let error = #expect(throws: TenantryError.self) { try SMTPConfiguration(url: url) }
        #expect(error?.code == .validationFailed)
        #expect(error?.fieldErrors.count == 1)
        #expect(error?.fieldErrors.first?.field == "TENANTRY_EMAIL_URL")
        #expect(error?.fieldErrors.first?.code == "invalid_email_url")
    }

    @Test("credentials over plain text are allowed on loopback only")
    func plainCredentialsOnLoopback() throws {
        for host in ["localhost", "127.0.0.1", "127.1.2.3", "[::1]"] {
            let configuration = try SMTPConfiguration(url: "smtp://user:pw@\(host):2525?tls=none&from=a@example.org")
            #expect(configuration.credentials?.password == "pw")
        }
        for host in ["127.example.org", "10.0.0.1"] {
            #expect(throws: TenantryError.self) {
                try SMTPConfiguration(url: "smtp://user:pw@\(host)?tls=none&from=a@example.org")
            }
        }
    }
}
