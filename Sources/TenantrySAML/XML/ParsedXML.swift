internal import CXMLSec
import Foundation

/// Namespaces of the SAML 2.0 and XML Signature vocabularies.
enum XMLNamespace {
    static let samlProtocol = "urn:oasis:names:tc:SAML:2.0:protocol"
    static let samlAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
    static let samlMetadata = "urn:oasis:names:tc:SAML:2.0:metadata"
    static let xmlSignature = "http://www.w3.org/2000/09/xmldsig#"
}

/// Why a document could not be turned into a `ParsedXML`.
enum XMLParseFailure: Error {
    /// Not well-formed, or not UTF-8/UTF-16 XML libxml2 accepts.
    case malformed
    /// The document has a DOCTYPE (internal or external subset).
    case documentType
}

/// A libxml2 document parsed with the network, DTD loading and entity substitution off, and
/// refused when it has a DOCTYPE at all. Owns the `xmlDoc`; not `Sendable`: it lives inside one
/// call, under `XMLSecurityLibrary`'s lock.
final class ParsedXML {
    let document: xmlDocPtr
    let root: DOMElement

    /// Parses `data`.
    init(_ data: Data) throws(XMLParseFailure) {
        // The byte check refuses before libxml2 reads any declaration; the subset check after
        // parsing also catches a DOCTYPE in an encoding the byte check cannot see.
        if data.range(of: Data("<!DOCTYPE".utf8)) != nil || data.range(of: Data("<!ENTITY".utf8)) != nil {
            throw .documentType
        }
        let options = Int32(
            XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
                | XML_PARSE_NOCDATA.rawValue
        )
        let parsed: xmlDocPtr? = data.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress, buffer.count <= Int(Int32.max) else { return nil }
            return xmlReadMemory(base.assumingMemoryBound(to: CChar.self), Int32(buffer.count), nil, nil, options)
        }
        guard let document = parsed else { throw .malformed }
        if document.pointee.intSubset != nil || document.pointee.extSubset != nil {
            xmlFreeDoc(document)
            throw .documentType
        }
        guard let root = xmlDocGetRootElement(document) else {
            xmlFreeDoc(document)
            throw .malformed
        }
        self.document = document
        self.root = DOMElement(root)
    }

    deinit {
        xmlFreeDoc(document)
    }

    /// Every element of the document in document order.
    func allElements() -> [DOMElement] {
        var found: [DOMElement] = []
        func visit(_ element: DOMElement) {
            found.append(element)
            for child in element.childElements() { visit(child) }
        }
        visit(root)
        return found
    }
}

/// A borrowed element of a `ParsedXML`; valid while the document lives.
struct DOMElement: Equatable {
    let node: xmlNodePtr

    init(_ node: xmlNodePtr) {
        self.node = node
    }

    /// The local name.
    var name: String {
        String(cString: node.pointee.name)
    }

    /// The namespace URI, or nil when the element has none.
    var namespace: String? {
        guard let href = node.pointee.ns?.pointee.href else { return nil }
        return String(cString: href)
    }

    /// Whether this element is `name` in `namespace`.
    func isElement(_ name: String, in namespace: String) -> Bool {
        self.name == name && self.namespace == namespace
    }

    /// The parent element, or nil for the root.
    var parent: DOMElement? {
        guard let parent = node.pointee.parent, parent.pointee.type == XML_ELEMENT_NODE else { return nil }
        return DOMElement(parent)
    }

    /// The child elements in order.
    func childElements() -> [DOMElement] {
        var result: [DOMElement] = []
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE { result.append(DOMElement(current)) }
            child = current.pointee.next
        }
        return result
    }

    /// The child elements called `name` in `namespace`.
    func children(_ name: String, in namespace: String) -> [DOMElement] {
        childElements().filter { $0.isElement(name, in: namespace) }
    }

    /// The value of the attribute `name` that has no namespace, or nil.
    func attribute(_ name: String) -> String? {
        guard let value = xmlGetNoNsProp(node, name) else { return nil }
        defer { tenantry_xml_free(value) }
        return String(cString: value)
    }

    /// The attributes without a namespace, as (attribute node, name) pairs.
    func unqualifiedAttributes() -> [(node: xmlAttrPtr, name: String)] {
        var result: [(xmlAttrPtr, String)] = []
        var attribute = node.pointee.properties
        while let current = attribute {
            if current.pointee.ns == nil { result.append((current, String(cString: current.pointee.name))) }
            attribute = current.pointee.next
        }
        return result
    }

    /// The element's text when it is exactly zero or one text node and nothing else.
    ///
    /// A comment, processing instruction, entity reference, child element or a second text node
    /// returns nil. Exclusive canonicalisation without comments drops comments from what is
    /// signed, so `user@victim.example<!---->.evil.example` is covered by the same signature as
    /// `user@victim.example.evil.example`; a reader that took the first text node would see the
    /// victim's address. Reading only unambiguous text closes that door for every value.
    var soleText: String? {
        var text: String?
        var child = node.pointee.children
        while let current = child {
            guard current.pointee.type == XML_TEXT_NODE, text == nil else { return nil }
            guard let content = current.pointee.content else { return nil }
            text = String(cString: content)
            child = current.pointee.next
        }
        return text ?? ""
    }
}
