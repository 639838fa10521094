import unittest

from scanner.mrz import MrzError, check_digit, parse

# The specimens of ICAO 9303 part 4 (TD3) and part 5 (TD1).
TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n"
TD1 = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<\n"


class CheckDigitTest(unittest.TestCase):
    def test_weights_and_letters(self) -> None:
        self.assertEqual(check_digit("L898902C3"), 6)
        self.assertEqual(check_digit("D23145890"), 7)
        self.assertEqual(check_digit("<<<"), 0)

    def test_refuses_other_characters(self) -> None:
        with self.assertRaises(MrzError):
            check_digit("a")


class ParseTest(unittest.TestCase):
    def test_td3_specimen(self) -> None:
        document = parse(TD3)
        self.assertTrue(document.valid)
        self.assertEqual(document.format, "TD3")
        self.assertEqual(document.surname, "ERIKSSON")
        self.assertEqual(document.given_names, "ANNA MARIA")
        self.assertEqual(document.document_number, "L898902C3")

    def test_td1_specimen(self) -> None:
        document = parse(TD1)
        self.assertTrue(document.valid, document.checks)
        self.assertEqual(document.format, "TD1")
        self.assertEqual(document.document_number, "D23145890")
        self.assertEqual(document.nationality, "UTO")
        self.assertEqual(document.expiry_date, "120415")

    def test_wrong_check_digit_is_named(self) -> None:
        document = parse(TD3.replace("1204159", "1204169"))
        self.assertFalse(document.valid)
        self.assertEqual([c.field for c in document.checks if not c.valid], ["expiry_date", "composite"])

    def test_unknown_shape_and_alphabet(self) -> None:
        with self.assertRaisesRegex(MrzError, "lengths 44"):
            parse(TD3.splitlines()[0])
        with self.assertRaisesRegex(MrzError, "A-Z"):
            parse(TD3.replace("ANNA", "AN-A"))

    def test_to_dict_holds_validity(self) -> None:
        self.assertIs(parse(TD3).to_dict()["valid"], True)


if __name__ == "__main__":
    unittest.main()
