internal import CXMLSec
import Foundation

/// Verifies one enveloped XML signature with libxmlsec1 against pinned certificates, after
/// checking its shape and algorithms against a short allow-list. Called under
/// `XMLSecurityLibrary`'s lock.
enum XMLSignatureCheck {
    private static let exclusiveC14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
    private static let envelopedSignature = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"

    private enum KeyFamily { case rsa, ecdsa }

    private static let signatureMethods: [String: KeyFamily] = [
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": .rsa,
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384": .rsa,
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": .rsa,
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256": .ecdsa,
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384": .ecdsa,
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512": .ecdsa,
    ]

    private static let digestMethods: Set<String> = [
        "http://www.w3.org/2001/04/xmlenc#sha256",
        "http://www.w3.org/2001/04/xmldsig-more#sha384",
        "http://www.w3.org/2001/04/xmlenc#sha512",
    ]

    /// Whether `der` is an X.509 certificate with a public key xmlsec can use.
    static func isReadableCertificate(_ der: Data) -> Bool {
        guard let key = loadKey(der) else { return false }
        xmlSecKeyDestroy(key)
        return true
    }

    /// Verifies `signature`, a `ds:Signature` child of `signed`, with the keys of
    /// `certificates` only.
    ///
    /// On return the signature is valid, its single reference is `#` + `signed`'s `ID`, and
    /// xmlsec resolved and digested exactly that reference: everything inside `signed` is
    /// covered.
    static func verify(signature: DOMElement, of signed: DOMElement, certificates: [Data]) throws(SAMLError) {
        guard let id = signed.attribute("ID"), !id.isEmpty else { throw .ambiguousStructure }
        let family = try checkShape(of: signature, referencing: id)

        var sawError = false
        for der in certificates {
            guard let key = loadKey(der) else { continue }
            guard fits(key, family) else {
                xmlSecKeyDestroy(key)
                continue
            }
            guard let context = xmlSecDSigCtxCreate(nil) else {
                xmlSecKeyDestroy(key)
                throw .verifierUnavailable
            }
            defer { xmlSecDSigCtxDestroy(context) }
            // The context owns the key from here on. With the key set and no keys manager,
            // xmlsec never looks at the document's KeyInfo.
            context.pointee.signKey = key
            try restrict(context)

            guard xmlSecDSigCtxVerify(context, signature.node) >= 0 else {
                sawError = true
                continue
            }
            let references = signedInfoReferences(of: context)
            guard references.count == 1, let reference = references.first else { throw .ambiguousStructure }
            if context.pointee.status == xmlSecDSigStatusSucceeded {
                guard reference.pointee.status == xmlSecDSigStatusSucceeded,
                    let uri = reference.pointee.uri, String(cString: uri) == "#" + id
                else { throw .ambiguousStructure }
                return
            }
            // xmlsec checks the digests before the signature value: a failed reference means
            // the content changed, whatever the key.
            if reference.pointee.status != xmlSecDSigStatusSucceeded { throw .signatureInvalid }
        }
        throw sawError ? .signatureInvalid : .untrustedKey
    }

    /// Checks the signature's elements and algorithms before xmlsec reads them.
    private static func checkShape(of signature: DOMElement, referencing id: String) throws(SAMLError) -> KeyFamily {
        let ds = XMLNamespace.xmlSignature
        let parts = signature.childElements()
        guard parts.count == 2 || parts.count == 3,
            parts[0].isElement("SignedInfo", in: ds), parts[1].isElement("SignatureValue", in: ds),
            parts.count == 2 || parts[2].isElement("KeyInfo", in: ds)
        else { throw .ambiguousStructure }

        let signedInfo = parts[0].childElements()
        guard signedInfo.count >= 3, signedInfo[0].isElement("CanonicalizationMethod", in: ds),
            signedInfo[1].isElement("SignatureMethod", in: ds)
        else { throw .ambiguousStructure }
        let references = Array(signedInfo.dropFirst(2))
        guard references.count == 1, let reference = references.first, reference.isElement("Reference", in: ds)
        else { throw .ambiguousStructure }

        guard signedInfo[0].attribute("Algorithm") == exclusiveC14N, onlyInclusiveNamespaces(in: signedInfo[0])
        else { throw .disallowedTransform }
        guard let method = signedInfo[1].attribute("Algorithm"), let family = signatureMethods[method] else {
            throw .weakAlgorithm
        }

        var referenceParts = reference.childElements()
        var transforms: [String] = []
        if let first = referenceParts.first, first.isElement("Transforms", in: ds) {
            for transform in first.childElements() {
                guard transform.isElement("Transform", in: ds), let algorithm = transform.attribute("Algorithm") else {
                    throw .disallowedTransform
                }
                switch algorithm {
                case envelopedSignature where transform.childElements().isEmpty: break
                case exclusiveC14N where onlyInclusiveNamespaces(in: transform): break
                default: throw .disallowedTransform
                }
                transforms.append(algorithm)
            }
            referenceParts.removeFirst()
        }
        guard transforms == [envelopedSignature] || transforms == [envelopedSignature, exclusiveC14N] else {
            throw .disallowedTransform
        }
        guard referenceParts.count == 2, referenceParts[0].isElement("DigestMethod", in: ds),
            referenceParts[1].isElement("DigestValue", in: ds)
        else { throw .ambiguousStructure }
        guard let digest = referenceParts[0].attribute("Algorithm"), digestMethods.contains(digest) else {
            throw .weakAlgorithm
        }
        guard reference.attribute("URI") == "#" + id else { throw .ambiguousStructure }
        return family
    }

    private static func onlyInclusiveNamespaces(in element: DOMElement) -> Bool {
        element.childElements().allSatisfy {
            $0.isElement("InclusiveNamespaces", in: "http://www.w3.org/2001/10/xml-exc-c14n#")
        }
    }

    /// Limits xmlsec to same-document references and the allowed algorithms, so the allow-list
    /// holds inside the library too.
    private static func restrict(_ context: xmlSecDSigCtxPtr) throws(SAMLError) {
        context.pointee.enabledReferenceUris = xmlSecTransformUriType(xmlSecTransformUriTypeSameDocument)
        let signatureTransforms: [xmlSecTransformId?] = [
            xmlSecTransformExclC14NGetKlass(),
            xmlSecOpenSSLTransformRsaSha256GetKlass(),
            xmlSecOpenSSLTransformRsaSha384GetKlass(),
            xmlSecOpenSSLTransformRsaSha512GetKlass(),
            xmlSecOpenSSLTransformEcdsaSha256GetKlass(),
            xmlSecOpenSSLTransformEcdsaSha384GetKlass(),
            xmlSecOpenSSLTransformEcdsaSha512GetKlass(),
        ]
        let referenceTransforms: [xmlSecTransformId?] = [
            xmlSecTransformEnvelopedGetKlass(),
            xmlSecTransformExclC14NGetKlass(),
            xmlSecOpenSSLTransformSha256GetKlass(),
            xmlSecOpenSSLTransformSha384GetKlass(),
            xmlSecOpenSSLTransformSha512GetKlass(),
        ]
        for transform in signatureTransforms {
            guard xmlSecDSigCtxEnableSignatureTransform(context, transform) >= 0 else { throw .verifierUnavailable }
        }
        for transform in referenceTransforms {
            guard xmlSecDSigCtxEnableReferenceTransform(context, transform) >= 0 else { throw .verifierUnavailable }
        }
    }

    /// The reference contexts xmlsec processed for SignedInfo.
    private static func signedInfoReferences(of context: xmlSecDSigCtxPtr) -> [UnsafeMutablePointer<xmlSecDSigReferenceCtx>] {
        guard let offset = MemoryLayout<xmlSecDSigCtx>.offset(of: \xmlSecDSigCtx.signedInfoReferences) else { return [] }
        let list = (UnsafeMutableRawPointer(context) + offset).assumingMemoryBound(to: xmlSecPtrList.self)
        let count = xmlSecPtrListGetSize(list)
        var result: [UnsafeMutablePointer<xmlSecDSigReferenceCtx>] = []
        var index: UInt32 = 0
        while index < count {
            if let item = xmlSecPtrListGetItem(list, index) {
                result.append(item.assumingMemoryBound(to: xmlSecDSigReferenceCtx.self))
            }
            index += 1
        }
        return result
    }

    private static func loadKey(_ der: Data) -> xmlSecKeyPtr? {
        der.withUnsafeBytes { buffer -> xmlSecKeyPtr? in
            guard let base = buffer.baseAddress, buffer.count > 0, buffer.count <= Int(UInt32.max) else { return nil }
            return xmlSecOpenSSLAppKeyLoadMemory(
                base.assumingMemoryBound(to: UInt8.self),
                UInt32(buffer.count),
                xmlSecKeyDataFormatCertDer,
                nil,
                nil,
                nil
            )
        }
    }

    private static func fits(_ key: xmlSecKeyPtr, _ family: KeyFamily) -> Bool {
        guard let value = key.pointee.value else { return false }
        let id = value.pointee.id
        switch family {
        case .rsa: return id == xmlSecOpenSSLKeyDataRsaGetKlass()
        case .ecdsa: return id == xmlSecOpenSSLKeyDataEcdsaGetKlass()
        }
    }
}
