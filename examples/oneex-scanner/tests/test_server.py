import json
import threading
import unittest
import urllib.error
import urllib.request

from scanner.server import make_server
from tests.test_mrz import TD3


class ServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.server = make_server("127.0.0.1", 0)
        cls.base = f"http://127.0.0.1:{cls.server.server_address[1]}"
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.shutdown()
        cls.server.server_close()

    def request(self, path: str, body: bytes | None = None) -> tuple[int, dict[str, object]]:
        try:
            with urllib.request.urlopen(urllib.request.Request(self.base + path, data=body)) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    def test_health(self) -> None:
        self.assertEqual(self.request("/health"), (200, {"status": "ok"}))

    def test_parses_an_mrz(self) -> None:
        status, body = self.request("/api/mrz/parse", TD3.encode())
        self.assertEqual(status, 200)
        self.assertEqual(body["document_number"], "L898902C3")
        self.assertIs(body["valid"], True)

    def test_refuses_what_is_not_an_mrz(self) -> None:
        status, body = self.request("/api/mrz/parse", b"hello")
        self.assertEqual(status, 422)
        self.assertIn("expected 2 lines", str(body["error"]))

    def test_refuses_large_bodies_and_unknown_routes(self) -> None:
        self.assertEqual(self.request("/api/mrz/parse", b"x" * 5000)[0], 413)
        self.assertEqual(self.request("/nope")[0], 404)


if __name__ == "__main__":
    unittest.main()
