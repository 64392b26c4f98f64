import Glibc

/// Which of a compute node's addresses a job binds to (the controller, the notebook): decided on the node, by
/// the job script's `pick_address`, because only the node knows its addresses.
public enum AddressSelector: Sendable, Equatable {
    /// The first address `hostname -I` prints, else the first global one, else 127.0.0.1.
    case auto
    /// The first IPv4 address of a network interface (the seed's `ip addr show eno1`).
    case interface(String)
    /// This address; the job fails with a clear message when the node does not have it.
    case address(String)
    /// The node's first address inside this network (`10.0.0.0/8`), for nodes with several or whose
    /// `hostname -I` is empty.
    case network(String)

    /// The word the job script's `pick_address` takes.
    public var scriptWord: String {
        switch self {
        case .auto: "auto"
        case .interface(let name), .address(let name), .network(let name): name
        }
    }

    /// For messages and `check-config`.
    public var description: String {
        switch self {
        case .auto: "auto"
        case .interface(let name): "interface \(name)"
        case .address(let address): "address \(address)"
        case .network(let network): "network \(network)"
        }
    }

    /// An `address` value: "auto", an IPv4/IPv6 literal, or a network in CIDR form; nil when it is none.
    public static func parseAddress(_ text: String) -> AddressSelector? {
        if text == "auto" { return .auto }
        if isIPLiteral(text) { return .address(text) }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, isIPLiteral(String(parts[0])), let bits = Int(parts[1]),
              parts[1].allSatisfy(\.isASCIIDigit) else { return nil }
        let maximum = parts[0].contains(":") ? 128 : 32
        return (0...maximum).contains(bits) ? .network(text) : nil
    }

    /// True for an IPv4 or IPv6 address literal.
    public static func isIPLiteral(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}
