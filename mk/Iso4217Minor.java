// SPDX-License-Identifier: MIT
// The ISO 4217 minor unit of every currency the JDK knows, for
// share/ac/iso4217.txt: code TAB digits (-1: none), sorted by code.
// Run: java mk/Iso4217Minor.java
import java.util.Currency;
import java.util.TreeMap;

public class Iso4217Minor {
	public static void main(String[] args) {
		TreeMap<String, Integer> m = new TreeMap<>();
		for (Currency c : Currency.getAvailableCurrencies())
			m.put(c.getCurrencyCode(), c.getDefaultFractionDigits());
		m.forEach((code, digits) -> System.out.println(code + "\t" + digits));
	}
}
