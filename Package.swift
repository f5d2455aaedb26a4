// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "tenantry",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tenantry", targets: ["tenantry"]),
        .library(name: "TenantryCore", targets: ["TenantryCore"]),
        .library(name: "TenantryStorage", targets: ["TenantryStorage"]),
        .library(name: "TenantryApplication", targets: ["TenantryApplication"]),
        .library(name: "TenantryHTTP", targets: ["TenantryHTTP"]),
        .library(name: "TenantryClient", targets: ["TenantryClient"]),
        .library(name: "TenantrySAML", targets: ["TenantrySAML"]),
        .library(name: "TenantryOIDC", targets: ["TenantryOIDC"]),
        .library(name: "TenantryStripe", targets: ["TenantryStripe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client.git", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // OTLP over HTTP only: the OTLPGRPC trait would build grpc-swift (decision 0022).
    ],
    targets: [
        .target(
            name: "TenantryCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TenantryStorage",
            dependencies: [
                "TenantryCore",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TenantryApplication",
            dependencies: [
                "TenantryCore",
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
                "TenantrySAML",
                // gzip for tenant archives.
                "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TenantryHTTP",
            dependencies: [
                "TenantryCore",
                "TenantrySAML",
                "TenantryOIDC",
                "TenantryDNS",
                "TenantryStripe",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                "TenantryApplication",
                "TenantryStorage",
                "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["Console/Assets/htmx-LICENSE"],
            resources: [
                .embedInCode("OpenAPI/openapi.json"),
                .embedInCode("Console/Templates/layout.mustache"),
                .embedInCode("Console/Templates/sign-in.mustache"),
                .embedInCode("Console/Templates/sign-up.mustache"),
                .embedInCode("Console/Templates/mfa.mustache"),
                .embedInCode("Console/Templates/accept-invitation.mustache"),
                .embedInCode("Console/Templates/error.mustache"),
                .embedInCode("Console/Templates/overview.mustache"),
                .embedInCode("Console/Templates/members.mustache"),
                .embedInCode("Console/Templates/api-keys.mustache"),
                .embedInCode("Console/Templates/profile.mustache"),
                .embedInCode("Console/Templates/security.mustache"),
                .embedInCode("Console/Templates/admin-overview.mustache"),
                .embedInCode("Console/Templates/admin-tenants.mustache"),
                .embedInCode("Console/Templates/admin-tenant.mustache"),
                .embedInCode("Console/Templates/webhooks.mustache"),
                .embedInCode("Console/Templates/webhook.mustache"),
                .embedInCode("Console/Templates/webhook-message.mustache"),
                .embedInCode("Console/Templates/teams.mustache"),
                .embedInCode("Console/Templates/team.mustache"),
                .embedInCode("Console/Templates/roles.mustache"),
                .embedInCode("Console/Templates/role.mustache"),
                .embedInCode("Console/Templates/audit.mustache"),
                .embedInCode("Console/Templates/usage.mustache"),
                .embedInCode("Console/Templates/settings.mustache"),
                .embedInCode("Console/Templates/data.mustache"),
                .embedInCode("Console/Templates/billing.mustache"),
                .embedInCode("Console/Templates/admin-plans.mustache"),
                .embedInCode("Console/Templates/admin-audit.mustache"),
                .embedInCode("Console/Templates/webhook-sources.mustache"),
                .embedInCode("Console/Templates/webhook-source.mustache"),
                .embedInCode("Console/Templates/sso-landing.mustache"),
                .embedInCode("Console/Templates/sso.mustache"),
                .embedInCode("Console/Templates/sso-connection.mustache"),
                .embedInCode("Console/Templates/domains.mustache"),
                .embedInCode("Console/Templates/domain.mustache"),
                .embedInCode("Console/Templates/plan-fields.mustache"),
                .embedInCode("Console/Templates/admin-plan.mustache"),
                .embedInCode("Console/Templates/admin-operators.mustache"),
                .embedInCode("Console/Templates/admin-platform-audit.mustache"),
                .embedInCode("Console/Strings/en.json"),
                .embedInCode("Console/Strings/pt-BR.json"),
                .embedInCode("Console/Assets/console.css"),
                .embedInCode("Console/Assets/htmx-2.min.js"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TenantryWorkers",
            dependencies: [
                "TenantryCore",
                "TenantryApplication",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The Swift client of the API, generated from Sources/TenantryHTTP/OpenAPI/openapi.json by
        // scripts/generate-client (committed; no build plugin).
        .target(
            name: "TenantryClient",
            dependencies: [
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            exclude: ["openapi-generator-config.yaml"],
            swiftSettings: swiftSettings
        ),
        // libxmlsec1 (OpenSSL engine) and libxml2 from Debian, for SAML signature verification.
        // The shim header repeats the -D flags of `pkg-config --cflags xmlsec1-openssl`, which
        // SwiftPM drops (docs/decisions/0020-saml-signatures-with-libxmlsec1.md).
        .systemLibrary(
            name: "CXMLSec",
            pkgConfig: "xmlsec1-openssl",
            providers: [.apt(["libxmlsec1-dev", "libxml2-dev"])]
        ),
        // zlib, for the raw DEFLATE of SAML's HTTP-Redirect binding and gzip-compressed tenant archives.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // The SAML 2.0 service-provider core: IdP metadata, AuthnRequest redirects, Response
        // verification. An adapter: no HTTP, no storage, no other Tenantry target.
        .target(
            name: "TenantrySAML",
            dependencies: ["CXMLSec", "CZlib"],
            swiftSettings: swiftSettings
        ),
        // The OpenID Connect relying party: discovery, code exchange, ID token verification
        // (implements TenantryCore's OpenIDConnectClient over async-http-client and jwt-kit).
        .target(
            name: "TenantryOIDC",
            dependencies: [
                "TenantryCore",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Tenantry's own Stripe client: form-encoded calls, idempotency keys, retries, errors
        // mapped to problems (implements TenantryCore's PaymentProvider over async-http-client).
        .target(
            name: "TenantryStripe",
            dependencies: [
                "TenantryCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // DNS TXT lookups over UDP (TCP after truncation) for proving control of a domain
        // (implements TenantryCore's TXTRecordResolver over swift-nio).
        .target(
            name: "TenantryDNS",
            dependencies: [
                "TenantryCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "tenantry",
            dependencies: [
                "TenantryCore",
                "TenantryApplication",
                "TenantryStorage",
                "TenantryHTTP",
                "TenantryWorkers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TenantryTestSupport",
            dependencies: [
                "TenantryCore",
                "TenantryStorage",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TenantryTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TenantryCoreTests",
            dependencies: ["TenantryCore"],
            swiftSettings: swiftSettings
        ),
        // Unit tests of the use cases against in-memory doubles: no storage, no HTTP, no database.
        .testTarget(
            name: "TenantryApplicationTests",
            dependencies: ["TenantryCore", "TenantryApplication"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TenantryStorageTests",
            dependencies: [
                "TenantryCore",
                "TenantryApplication",
                "TenantryStorage",
                "TenantryTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TenantryWorkersTests",
            dependencies: [
                "TenantryCore",
                "TenantryApplication",
                "TenantryWorkers",
                "TenantryDNS",
                "TenantryTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // SAML verification against responses signed by a third party (signxml, in
        // scripts/test-peers/saml_idp.py).
        .testTarget(
            name: "TenantrySAMLTests",
            dependencies: ["TenantrySAML", "TenantryTestSupport"],
            swiftSettings: swiftSettings
        ),
        // OpenID Connect against real providers on loopback: oidc-provider-mock and
        // scripts/test-peers/oidc_provider.py.
        .testTarget(
            name: "TenantryOIDCTests",
            dependencies: [
                "TenantryCore",
                "TenantryOIDC",
                "TenantryTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The Stripe client against real servers on loopback: localstripe and
        // scripts/test-peers/stripe_faults.py (429s, 500s, errors).
        .testTarget(
            name: "TenantryStripeTests",
            dependencies: [
                "TenantryCore", "TenantryStripe", "TenantryTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TenantryHTTPTests",
            dependencies: [
                "TenantryCore",
                "TenantryApplication",
                "TenantryStorage",
                "TenantryHTTP",
                "TenantryWorkers",
                "TenantryTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                "TenantryClient",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
