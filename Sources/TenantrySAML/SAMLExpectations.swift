public import Foundation

/// What a response must match to be accepted: who may sign it, who issued it, whom it is for,
/// which request it answers, and when it is verified.
public struct SAMLExpectations: Sendable {
    /// Which request a response must answer.
    public enum Solicitation: Sendable, Hashable {
        /// SP-initiated: `InResponseTo` must name this request ID.
        case request(id: String)
        /// IdP-initiated sign-in is allowed: the response must answer no request (no
        /// `InResponseTo`), since there is none this browser started.
        case identityProviderInitiated
    }

    /// The largest clock skew honoured: two minutes. A larger value is reduced to it.
    public static let maximumClockSkew: Duration = .seconds(120)

    /// The DER-encoded certificates whose keys may sign (from the IdP's metadata). Only these
    /// are used; certificates inside the response's `KeyInfo` are ignored.
    public var trustedCertificates: [Data]
    /// The IdP's entity ID: the Issuer of the assertion (and of the response, when it has one).
    public var identityProviderEntityID: String
    /// This SP's entity ID: the audience the assertion must be restricted to.
    public var serviceProviderEntityID: String
    /// This SP's ACS URL: the response's `Destination` and the bearer confirmation's `Recipient`.
    public var assertionConsumerServiceURL: String
    /// Which request the response answers.
    public var solicitation: Solicitation
    /// The verification time.
    public var now: Date
    private var requestedClockSkew: Duration

    /// The clock skew applied to every time check, at most `maximumClockSkew`, at least zero.
    public var clockSkew: Duration {
        get { min(max(requestedClockSkew, .zero), Self.maximumClockSkew) }
        set { requestedClockSkew = newValue }
    }

    /// Creates expectations from their parts.
    public init(
        trustedCertificates: [Data],
        identityProviderEntityID: String,
        serviceProviderEntityID: String,
        assertionConsumerServiceURL: String,
        solicitation: Solicitation,
        now: Date,
        clockSkew: Duration = .seconds(60)
    ) {
        self.trustedCertificates = trustedCertificates
        self.identityProviderEntityID = identityProviderEntityID
        self.serviceProviderEntityID = serviceProviderEntityID
        self.assertionConsumerServiceURL = assertionConsumerServiceURL
        self.solicitation = solicitation
        self.now = now
        self.requestedClockSkew = clockSkew
    }

    /// Creates expectations for a connection between `serviceProvider` and `identityProvider`,
    /// trusting the metadata's signing certificates.
    public init(
        identityProvider: SAMLIdentityProviderMetadata,
        serviceProvider: SAMLServiceProvider,
        solicitation: Solicitation,
        now: Date,
        clockSkew: Duration = .seconds(60)
    ) {
        self.init(
            trustedCertificates: identityProvider.signingCertificates,
            identityProviderEntityID: identityProvider.entityID,
            serviceProviderEntityID: serviceProvider.entityID,
            assertionConsumerServiceURL: serviceProvider.assertionConsumerServiceURL.absoluteString,
            solicitation: solicitation,
            now: now,
            clockSkew: clockSkew
        )
    }

    /// `clockSkew` in seconds.
    var skewSeconds: TimeInterval {
        let parts = clockSkew.components
        return TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
    }
}

/// A verified assertion: what the signed `Assertion` element says about the user.
public struct SAMLAssertion: Sendable, Hashable {
    /// The assertion's `ID`. Keep it in a replay cache until `notOnOrAfter` and refuse a
    /// second response carrying it.
    public var id: String
    /// The assertion's issuer (the IdP's entity ID).
    public var issuer: String
    /// The subject's `NameID`.
    public var nameID: String
    /// The `NameID` format, when the IdP gave one.
    public var nameIDFormat: String?
    /// The attributes: name to values, in document order.
    public var attributes: [String: [String]]
    /// The user's email address: the `NameID` when its format is emailAddress, otherwise the
    /// first value of `email`, `mail` or the WS-Federation `emailaddress` claim; nil when none
    /// looks like an address.
    public var email: String?
    /// The `SessionIndex` of the authentication statement (for single logout), if any.
    public var sessionIndex: String?
    /// The moment after which this assertion is refused anyway (its earliest `NotOnOrAfter`
    /// plus the clock skew): how long a replay cache must remember `id`.
    public var notOnOrAfter: Date

    /// Creates an assertion value.
    public init(
        id: String,
        issuer: String,
        nameID: String,
        nameIDFormat: String?,
        attributes: [String: [String]],
        email: String?,
        sessionIndex: String?,
        notOnOrAfter: Date
    ) {
        self.id = id
        self.issuer = issuer
        self.nameID = nameID
        self.nameIDFormat = nameIDFormat
        self.attributes = attributes
        self.email = email
        self.sessionIndex = sessionIndex
        self.notOnOrAfter = notOnOrAfter
    }
}
