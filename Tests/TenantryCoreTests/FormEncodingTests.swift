import TenantryCore
import Testing

@Suite("Form encoding")
struct FormEncodingTests {
    @Test func nestedObjectsAndListsBecomeBracketedNamesInOrder() {
        let fields: [(String, FormEncoding.Value)] = [
            ("customer", "cus_1"),
            ("items", .list([.object([("id", "si_1"), ("price", "price_2")]), .object([("plan", "basic")])])),
            ("metadata", .object([("tenant_id", "t-1"), ("note", "a&b=c d+é")])),
        ]
        #expect(
            FormEncoding.flatten(fields).map { "\($0.0)=\($0.1)" } == [
                "customer=cus_1", "items[0][id]=si_1", "items[0][price]=price_2", "items[1][plan]=basic",
                "metadata[tenant_id]=t-1", "metadata[note]=a&b=c d+é",
            ])
        #expect(
            FormEncoding.encode(fields: fields)
                == "customer=cus_1&items%5B0%5D%5Bid%5D=si_1&items%5B0%5D%5Bprice%5D=price_2&items%5B1%5D%5Bplan%5D=basic"
                + "&metadata%5Btenant_id%5D=t-1&metadata%5Bnote%5D=a%26b%3Dc%20d%2B%C3%A9")
    }

    @Test func unreservedCharactersStayAndEverythingElseIsEscaped() {
        #expect(FormEncoding.escape("AZaz09-._~") == "AZaz09-._~")
        #expect(FormEncoding.escape("/?#[]@!$&'()*+,;= ") == "%2F%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D%20")
    }
}
