internal import CXMLSec
import Foundation

/// Verifies a SAML 2.0 Response received with the HTTP-POST binding and returns its assertion.
///
/// The response is refused unless, in this order: it is at most `maximumEncodedSize`, is
/// well-formed XML with no DOCTYPE, is a `samlp:Response` with status Success, holds exactly one
/// `Assertion` (a direct child) and no other signed-looking structure, carries a valid signature
/// by a pinned certificate's key on the assertion or on the response (algorithms and transforms
/// on an allow-list, the reference pointing at the element that holds the signature), and its
/// destination, issuers, time conditions, audience, bearer confirmation and `InResponseTo` match
/// `SAMLExpectations`. Everything returned is read from the signed assertion. See docs/saml.md.
public struct SAMLResponseVerifier: Sendable {
    /// The largest base64-encoded response accepted: 256 KiB.
    public static let maximumEncodedSize = 256 * 1024

    /// Creates a verifier.
    public init() {}

    /// Verifies the base64 `SAMLResponse` form value against `expectations`.
    ///
    /// - Returns: the assertion's subject, attributes and replay-cache data. The caller still
    ///   has to refuse an assertion ID it has seen before (until `notOnOrAfter`).
    /// - Throws: `SAMLError` naming the first rule the response breaks.
    public func verify(samlResponseBase64: String, expectations: SAMLExpectations) throws(SAMLError) -> SAMLAssertion {
        guard samlResponseBase64.utf8.count <= Self.maximumEncodedSize else { throw .tooLarge }
        // Form posts may wrap the base64 text; nothing else is tolerated.
        let compact = String(samlResponseBase64.unicodeScalars.filter { !" \t\r\n".unicodeScalars.contains($0) })
        guard let xml = Data(base64Encoded: compact) else { throw .malformedXML }
        return try XMLSecurityLibrary.run(unavailable: SAMLError.verifierUnavailable) {
            () throws(SAMLError) -> SAMLAssertion in
            let document: ParsedXML
            do throws(XMLParseFailure) {
                document = try ParsedXML(xml)
            } catch {
                switch error {
                case .documentType: throw .documentTypeNotAllowed
                case .malformed: throw .malformedXML
                }
            }
            return try ResponseCheck(document: document, expectations: expectations).run()
        }
    }
}

/// The Response's `InResponseTo`, and whether a signature covers it.
private struct ResponseCorrelation {
    let inResponseTo: String?
    let isSigned: Bool
}

/// One verification: the document and the expectations, checked step by step.
private struct ResponseCheck {
    let document: ParsedXML
    let expectations: SAMLExpectations

    private let samlp = XMLNamespace.samlProtocol
    private let saml = XMLNamespace.samlAssertion
    private let ds = XMLNamespace.xmlSignature
    private let bearer = "urn:oasis:names:tc:SAML:2.0:cm:bearer"

    init(document: ParsedXML, expectations: SAMLExpectations) {
        self.document = document
        self.expectations = expectations
    }

    func run() throws(SAMLError) -> SAMLAssertion {
        let response = document.root
        guard response.isElement("Response", in: samlp), response.attribute("Version") == "2.0" else {
            throw .malformedXML
        }
        let elements = document.allElements()
        try registerIDs(elements)
        try checkStatus(response)

        // Exactly one assertion in the whole document, directly under the Response: a second
        // one anywhere (beside it, inside Extensions, inside another element) is how signature
        // wrapping smuggles in an unsigned assertion next to a signed one.
        let assertions = elements.filter { $0.isElement("Assertion", in: saml) }
        if elements.contains(where: { $0.isElement("EncryptedAssertion", in: saml) }) {
            throw .encryptedAssertionNotSupported
        }
        guard assertions.count <= 1 else { throw .ambiguousStructure }
        guard let assertion = assertions.first else { throw .missingElement }
        guard assertion.parent == response else { throw .ambiguousStructure }

        // Signatures only as direct children of the Response or of the Assertion, at most one each.
        let signatures = elements.filter { $0.isElement("Signature", in: ds) }
        let responseSignatures = signatures.filter { $0.parent == response }
        let assertionSignatures = signatures.filter { $0.parent == assertion }
        guard responseSignatures.count + assertionSignatures.count == signatures.count,
            responseSignatures.count <= 1, assertionSignatures.count <= 1
        else { throw .ambiguousStructure }
        guard !signatures.isEmpty else { throw .unsigned }
        let certificates = expectations.trustedCertificates
        if let signature = assertionSignatures.first {
            try XMLSignatureCheck.verify(signature: signature, of: assertion, certificates: certificates)
        }
        if let signature = responseSignatures.first {
            try XMLSignatureCheck.verify(signature: signature, of: response, certificates: certificates)
        }

        // From here on, the assertion is signed (itself, or as part of the signed response).
        if let destination = response.attribute("Destination"), destination != expectations.assertionConsumerServiceURL {
            throw .wrongDestination
        }
        let responseIssuers = response.children("Issuer", in: saml)
        guard responseIssuers.count <= 1 else { throw .ambiguousStructure }
        if let issuer = responseIssuers.first, try text(of: issuer) != expectations.identityProviderEntityID {
            throw .wrongIssuer
        }
        let correlation = ResponseCorrelation(
            inResponseTo: response.attribute("InResponseTo"),
            isSigned: !responseSignatures.isEmpty
        )
        return try read(assertion, correlation: correlation)
    }

    /// Registers every `ID` attribute with libxml2 so `#id` references resolve, refusing any
    /// identifier (`ID`, `Id` or `id`) that occurs twice.
    private func registerIDs(_ elements: [DOMElement]) throws(SAMLError) {
        var seen: Set<String> = []
        for element in elements {
            for (node, name) in element.unqualifiedAttributes() where ["ID", "Id", "id"].contains(name) {
                guard let value = element.attribute(name), !value.isEmpty, seen.insert(value).inserted else {
                    throw .ambiguousStructure
                }
                if name == "ID", xmlAddID(nil, document.document, value, node) == nil {
                    throw .ambiguousStructure
                }
            }
        }
    }

    private func checkStatus(_ response: DOMElement) throws(SAMLError) {
        let statuses = response.children("Status", in: samlp)
        guard statuses.count == 1, let status = statuses.first else { throw .missingElement }
        let codes = status.children("StatusCode", in: samlp)
        guard codes.count == 1, let code = codes.first?.attribute("Value") else { throw .missingElement }
        guard code == "urn:oasis:names:tc:SAML:2.0:status:Success" else { throw .statusNotSuccess }
    }

    private func read(_ assertion: DOMElement, correlation: ResponseCorrelation) throws(SAMLError) -> SAMLAssertion {
        guard assertion.attribute("Version") == "2.0", let id = assertion.attribute("ID") else {
            throw .malformedXML
        }
        let issuer = try text(of: single("Issuer", in: assertion))
        guard issuer == expectations.identityProviderEntityID else { throw .wrongIssuer }
        if let issued = assertion.attribute("IssueInstant"), try instant(issued) > later(than: expectations.now) {
            throw .notYetValid
        }

        let conditionsExpiry = try checkConditions(single("Conditions", in: assertion))

        let subject = try single("Subject", in: assertion)
        if !subject.children("EncryptedID", in: saml).isEmpty { throw .encryptedAssertionNotSupported }
        let nameIDElement = try single("NameID", in: subject)
        let nameID = try text(of: nameIDElement)
        guard !nameID.isEmpty else { throw .missingElement }
        let subjectExpiry = try checkBearerConfirmation(in: subject, correlation: correlation)

        let statements = assertion.children("AuthnStatement", in: saml)
        guard let authentication = statements.first else { throw .missingElement }
        if let sessionEnd = authentication.attribute("SessionNotOnOrAfter"),
            try expectations.now >= later(than: instant(sessionEnd))
        {
            throw .expired
        }

        var attributes: [String: [String]] = [:]
        for statement in assertion.children("AttributeStatement", in: saml) {
            if !statement.children("EncryptedAttribute", in: saml).isEmpty { throw .encryptedAssertionNotSupported }
            for attribute in statement.children("Attribute", in: saml) {
                guard let name = attribute.attribute("Name"), !name.isEmpty else { throw .missingElement }
                for value in attribute.children("AttributeValue", in: saml) {
                    attributes[name, default: []].append(try text(of: value))
                }
            }
        }

        let format = nameIDElement.attribute("Format")
        let candidates =
            (format == SAMLNameIDFormat.emailAddress ? [nameID] : [])
            + [
                "email", "mail", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
                "urn:oid:0.9.2342.19200300.100.1.3",
            ].compactMap { attributes[$0]?.first }
        let expiry = min(subjectExpiry, conditionsExpiry ?? subjectExpiry)
        return SAMLAssertion(
            id: id,
            issuer: issuer,
            nameID: nameID,
            nameIDFormat: format,
            attributes: attributes,
            email: candidates.first(where: Self.looksLikeEmail),
            sessionIndex: authentication.attribute("SessionIndex"),
            notOnOrAfter: later(than: expiry)
        )
    }

    /// Checks NotBefore/NotOnOrAfter and the audience restrictions; returns NotOnOrAfter.
    private func checkConditions(_ conditions: DOMElement) throws(SAMLError) -> Date? {
        if let notBefore = conditions.attribute("NotBefore"), try later(than: expectations.now) < instant(notBefore) {
            throw .notYetValid
        }
        var expiry: Date?
        if let notOnOrAfter = conditions.attribute("NotOnOrAfter") {
            let end = try instant(notOnOrAfter)
            guard expectations.now < later(than: end) else { throw .expired }
            expiry = end
        }
        // Each AudienceRestriction must name us (several restrictions all apply); at least one
        // is required, as the Web Browser SSO profile demands.
        let restrictions = conditions.children("AudienceRestriction", in: saml)
        guard !restrictions.isEmpty else { throw .wrongAudience }
        for restriction in restrictions {
            var audiences: [String] = []
            for audience in restriction.children("Audience", in: saml) { audiences.append(try text(of: audience)) }
            guard audiences.contains(expectations.serviceProviderEntityID) else { throw .wrongAudience }
        }
        return expiry
    }

    /// Finds a bearer SubjectConfirmation whose data fits; returns its NotOnOrAfter. When none
    /// fits, throws what was wrong with the first.
    private func checkBearerConfirmation(in subject: DOMElement, correlation: ResponseCorrelation) throws(SAMLError) -> Date {
        let confirmations = subject.children("SubjectConfirmation", in: saml).filter {
            $0.attribute("Method") == bearer
        }
        guard !confirmations.isEmpty else { throw .noBearerConfirmation }
        var firstFailure: SAMLError?
        for confirmation in confirmations {
            do {
                return try checkConfirmationData(
                    single("SubjectConfirmationData", in: confirmation),
                    correlation: correlation
                )
            } catch {
                firstFailure = firstFailure ?? error
            }
        }
        throw firstFailure ?? .noBearerConfirmation
    }

    private func checkConfirmationData(_ data: DOMElement, correlation: ResponseCorrelation) throws(SAMLError) -> Date {
        guard data.attribute("Recipient") == expectations.assertionConsumerServiceURL else { throw .wrongRecipient }
        guard let notOnOrAfter = data.attribute("NotOnOrAfter") else { throw .missingElement }
        let end = try instant(notOnOrAfter)
        guard expectations.now < later(than: end) else { throw .expired }
        if let notBefore = data.attribute("NotBefore"), try later(than: expectations.now) < instant(notBefore) {
            throw .notYetValid
        }
        // Every InResponseTo present must match, and at least one that a signature covers must
        // be there: the Response's counts only when the Response itself is signed, otherwise an
        // attacker could add it to an assertion the IdP issued unsolicited.
        let confirmationAnswer = data.attribute("InResponseTo")
        let answers = [correlation.inResponseTo, confirmationAnswer].compactMap { $0 }
        let signedAnswers = [correlation.isSigned ? correlation.inResponseTo : nil, confirmationAnswer].compactMap { $0 }
        switch expectations.solicitation {
        case .request(let id):
            guard !signedAnswers.isEmpty else { throw .unsolicitedNotAllowed }
            guard answers.allSatisfy({ $0 == id }) else { throw .inResponseToMismatch }
        case .identityProviderInitiated:
            guard answers.isEmpty else { throw .inResponseToMismatch }
        }
        return end
    }

    // MARK: - Reading values

    /// The one child `name` (SAML assertion namespace) of `parent`.
    private func single(_ name: String, in parent: DOMElement) throws(SAMLError) -> DOMElement {
        let found = parent.children(name, in: saml)
        guard found.count <= 1 else { throw .ambiguousStructure }
        guard let element = found.first else { throw .missingElement }
        return element
    }

    /// The element's text, refused when it is anything but a single text node.
    private func text(of element: DOMElement) throws(SAMLError) -> String {
        guard let text = element.soleText else { throw .ambiguousText }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func instant(_ text: String) throws(SAMLError) -> Date {
        guard let date = SAMLInstant.parse(text) else { throw .malformedXML }
        return date
    }

    /// `date` plus the clock skew.
    private func later(than date: Date) -> Date {
        date.addingTimeInterval(expectations.skewSeconds)
    }

    private static func looksLikeEmail(_ value: String) -> Bool {
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && !value.contains(where: { $0.isWhitespace })
    }
}
