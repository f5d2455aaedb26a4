internal import CXMLSec
import Foundation

/// The process-wide libxml2 and libxmlsec1 state: initialised once, and a lock that every use of
/// either library in this module holds.
///
/// libxml2 parses independent documents safely on several threads, but xmlsec keeps global
/// registries (transforms, key data, the error callback) and not every part of it is documented
/// as thread-safe. SAML sign-ins are rare next to other requests, so serialising them costs
/// little and removes the question.
enum XMLSecurityLibrary {
    /// Whether initialisation succeeded, computed once (Swift runs a static `let`'s initialiser
    /// exactly once, thread-safely).
    private static let isReady: Bool = initialize()

    private static let lock = NSLock()

    /// Runs `body` with the libraries initialised and the lock held.
    ///
    /// - Throws: `unavailable` when libxmlsec1 did not initialise (a missing or ABI-incompatible
    ///   library), or what `body` throws.
    static func run<Result, Failure: Error>(
        unavailable: Failure,
        _ body: () throws(Failure) -> Result
    ) throws(Failure) -> Result {
        guard isReady else { throw unavailable }
        lock.lock()
        defer { lock.unlock() }
        // libxml2 keeps its error handlers per thread: silence this one each time.
        xmlSetStructuredErrorFunc(nil, silentStructuredError)
        return try body()
    }

    private static func initialize() -> Bool {
        xmlInitParser()
        xmlThrDefSetStructuredErrorFunc(nil, silentStructuredError)
        xmlSetStructuredErrorFunc(nil, silentStructuredError)
        guard xmlSecInit() >= 0 else { return false }
        // The headers describe structures whose layout depends on the defines in the shim;
        // refuse to run against a library whose ABI differs from them.
        guard
            xmlSecCheckVersionExt(
                XMLSEC_VERSION_MAJOR,
                XMLSEC_VERSION_MINOR,
                XMLSEC_VERSION_SUBMINOR,
                xmlSecCheckVersionABICompatible
            ) == 1
        else { return false }
        guard xmlSecOpenSSLAppInit(nil) >= 0, xmlSecOpenSSLInit() >= 0 else { return false }
        // xmlsec prints every failure to standard error by default; a refused response is an
        // ordinary event here and is reported through SAMLError.
        xmlSecErrorsSetCallback(silentXMLSecError)
        return true
    }
}

private func silentStructuredError(_ context: UnsafeMutableRawPointer?, _ error: xmlErrorPtr?) {}

private func silentXMLSecError(
    _ file: UnsafePointer<CChar>?,
    _ line: Int32,
    _ function: UnsafePointer<CChar>?,
    _ errorObject: UnsafePointer<CChar>?,
    _ errorSubject: UnsafePointer<CChar>?,
    _ reason: Int32,
    _ message: UnsafePointer<CChar>?
) {}
