"""Demo catalog for `cinema seed`: genres, movies around today, and a chain of cinemas with theaters.

Everything is found again by its natural key (genre slug or name, movie title, cinema name, theater name
within its cinema) and then left exactly as it is, so a second run changes nothing. Release dates are
relative to the day of the first run, so there are movies Showing, Coming and Ended.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.cinemas import service as cinemas_service
from domain.cinemas.schemas import CinemaCreate, TheaterCreate
from domain.movies import service as movies_service
from domain.movies.schemas import GenreCreate, MovieCreate
from domain.shared.time import LOCAL_TZ

if TYPE_CHECKING:
    from cinema.seed import Seeded

GENRES = ("Hành động", "Phiêu lưu", "Hoạt hình", "Hài", "Tâm lý", "Tình cảm", "Gia đình", "Kinh dị",
          "Khoa học viễn tưởng", "Lịch sử", "Chiến tranh", "Giả tưởng")


@dataclass(frozen=True)
class DemoMovie:
    title: str
    original_title: str | None
    duration: int
    released: int  # days from the seed's day (negative: already out)
    runs_for: int  # days in theaters
    country: str
    language: str
    director: str
    cast: tuple[str, ...]
    age_rating: str
    genres: tuple[str, ...]
    description: str


MOVIES: tuple[DemoMovie, ...] = (
    DemoMovie("Lật Mặt 7: Một Điều Ước", "Face Off 7: One Wish", 138, -20, 45, "VN", "vi", "Lý Hải",
              ("Thanh Hiền", "Trương Minh Cường", "Đinh Y Nhung", "Quách Ngọc Tuyên"), "K",
              ("tam-ly", "gia-dinh"),
              "Bà Hai, người mẹ già sống một mình ở quê, và năm người con mỗi người một ngả: ai sẽ ở lại "
              "chăm mẹ khi bà gặp chuyện?"),
    DemoMovie("Đào, Phở và Piano", "Peach Blossom, Pho and Piano", 100, -12, 40, "VN", "vi", "Phi Tiến Sơn",
              ("Doãn Quốc Đam", "Cao Thùy Linh", "Trần Lực", "Tuấn Hưng"), "T13", ("lich-su", "chien-tranh"),
              "Hà Nội, mùa đông 1946: giữa 60 ngày đêm khói lửa, một anh tự vệ, một tiểu thư đàn piano và "
              "những người ở lại giữ phố."),
    DemoMovie("Mai", None, 131, -35, 60, "VN", "vi", "Trấn Thành",
              ("Phương Anh Đào", "Tuấn Trần", "Trấn Thành", "Hồng Đào"), "T18", ("tam-ly", "tinh-cam"),
              "Mai, người phụ nữ làm nghề xoa bóp với quá khứ nặng nề, gặp Dương, chàng nhạc công vô lo: "
              "liệu cô có dám hạnh phúc?"),
    DemoMovie("Dune: Hành Tinh Cát – Phần Hai", "Dune: Part Two", 166, -28, 50, "US", "en",
              "Denis Villeneuve",
              ("Timothée Chalamet", "Zendaya", "Rebecca Ferguson", "Javier Bardem"), "T13",
              ("khoa-hoc-vien-tuong", "phieu-luu"),
              "Paul Atreides hợp sức cùng Chani và người Fremen trên con đường trả thù những kẻ đã hủy "
              "diệt gia tộc mình."),
    DemoMovie("Những Mảnh Ghép Cảm Xúc 2", "Inside Out 2", 96, -6, 45, "US", "en", "Kelsey Mann",
              ("Amy Poehler", "Maya Hawke", "Kensington Tallman", "Liza Lapira"), "P",
              ("hoat-hinh", "gia-dinh", "hai"),
              "Riley bước vào tuổi mới lớn, và Trụ Sở Cảm Xúc đón thêm những vị khách không mời: Lo Âu, "
              "Ganh Tị, Chán Nản và Xấu Hổ."),
    DemoMovie("Godzilla x Kong: Đế Chế Mới", "Godzilla x Kong: The New Empire", 115, -15, 35, "US", "en",
              "Adam Wingard", ("Rebecca Hall", "Brian Tyree Henry", "Dan Stevens"), "T13",
              ("hanh-dong", "khoa-hoc-vien-tuong"),
              "Hai Titan huyền thoại buộc phải sát cánh trước một mối đe dọa ẩn sâu trong Trái Đất Rỗng."),
    DemoMovie("Kung Fu Panda 4", None, 94, -9, 40, "US", "en", "Mike Mitchell",
              ("Jack Black", "Awkwafina", "Viola Davis", "Dustin Hoffman"), "P",
              ("hoat-hinh", "hai", "hanh-dong"),
              "Po phải tìm người kế nhiệm Chiến Binh Rồng trong khi Tắc Kè Bông, phù thủy biến hình, nhăm "
              "nhe Thung Lũng Bình Yên."),
    DemoMovie("Deadpool & Wolverine", None, 128, -3, 42, "US", "en", "Shawn Levy",
              ("Ryan Reynolds", "Hugh Jackman", "Emma Corrin"), "T18", ("hanh-dong", "hai"),
              "Gã lính đánh thuê lắm mồm kéo Wolverine bất đắc dĩ vào một phi vụ cứu cả đa vũ trụ."),
    DemoMovie("Địa Đạo: Mặt Trời Trong Bóng Tối", "Tunnels: Sun in the Dark", 128, -24, 40, "VN", "vi",
              "Bùi Thạc Chuyên", ("Thái Hòa", "Quang Tuấn", "Hồ Thu Anh"), "T16", ("lich-su", "chien-tranh"),
              "Củ Chi, 1967: một đội du kích bám trụ dưới lòng đất, giữ bí mật một nhiệm vụ tình báo."),
    DemoMovie("Nhà Bà Nữ", None, 102, -70, 45, "VN", "vi", "Trấn Thành",
              ("Lê Giang", "Uyển Ân", "Song Luân", "Khả Như"), "T16", ("gia-dinh", "hai", "tam-ly"),
              "Quán bánh canh cua của bà Nữ và ba thế hệ phụ nữ dưới một mái nhà, thương nhau mà chẳng "
              "hiểu nhau."),
    DemoMovie("Bố Già", None, 128, -90, 60, "VN", "vi", "Trấn Thành, Vũ Ngọc Đãng",
              ("Trấn Thành", "Tuấn Trần", "Ngân Chi", "Lê Giang"), "T13", ("gia-dinh", "hai"),
              "Ông Sang, người cha lo chuyện bao đồng khắp hẻm, và Quắn, cậu con trai YouTuber: hai thế hệ "
              "va chạm dưới một mái nhà."),
    DemoMovie("Avengers: Doomsday", None, 150, 12, 60, "US", "en", "Anthony Russo, Joe Russo",
              ("Robert Downey Jr.", "Chris Hemsworth", "Vanessa Kirby", "Anthony Mackie"), "T13",
              ("hanh-dong", "khoa-hoc-vien-tuong", "phieu-luu"),
              "Các Avengers và những đồng minh mới đối đầu Doctor Doom, kẻ đe dọa số phận của mọi vũ trụ."),
    DemoMovie("Phi Vụ Động Trời 2", "Zootopia 2", 108, 5, 50, "US", "en", "Jared Bush, Byron Howard",
              ("Ginnifer Goodwin", "Jason Bateman", "Ke Huy Quan"), "P", ("hoat-hinh", "hai", "phieu-luu"),
              "Judy Hopps và Nick Wilde lần theo dấu một chú rắn bí ẩn đang làm đảo lộn cả Zootopia."),
    DemoMovie("Avatar: Lửa và Tro Tàn", "Avatar: Fire and Ash", 195, 26, 70, "US", "en", "James Cameron",
              ("Sam Worthington", "Zoe Saldaña", "Sigourney Weaver", "Oona Chaplin"), "T13",
              ("khoa-hoc-vien-tuong", "phieu-luu", "gia-tuong"),
              "Gia đình Sully chạm trán Tộc Tro, những người Na'vi sống giữa núi lửa của Pandora."),
    DemoMovie("Thám Tử Kiên: Kỳ Án Không Đầu", None, 131, 3, 40, "VN", "vi", "Victor Vũ",
              ("Quốc Huy", "Đinh Ngọc Diệp", "Võ Điền Gia Huy"), "T16", ("kinh-di", "tam-ly"),
              "Thám tử Kiên về một làng hẻo lánh, nơi những cái xác không đầu nối nhau xuất hiện sau lời "
              "nguyền ma da."),
)

# Seat layouts (rows lettered from the screen, aisles after seat numbers).
STANDARD = {"rows": 10, "seatsPerRow": 14, "aisles": [2, 12], "vipRows": ["E", "F", "G"], "coupleRows": ["J"]}
SMALL = {"rows": 8, "seatsPerRow": 12, "aisles": [6], "vipRows": ["E", "F"], "coupleRows": ["H"],
         "brokenSeats": ["A1"]}
IMAX = {"rows": 14, "seatsPerRow": 22, "aisles": [4, 18], "vipRows": ["G", "H", "I", "J"],
        "coupleRows": ["N"], "brokenSeats": ["B9"]}
FOUR_DX = {"rows": 8, "seatsPerRow": 12, "aisles": [6]}


@dataclass(frozen=True)
class DemoCinema:
    name: str
    address: str
    city: str
    district: str
    latitude: float
    longitude: float
    phone: str
    facilities: tuple[str, ...]
    theaters: tuple[dict[str, Any], ...] = field(default_factory=tuple)


def _theater(name: str, screen: str, sound: str, layout: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "screenType": screen, "soundSystem": sound, "layout": layout}


CINEMAS: tuple[DemoCinema, ...] = (
    DemoCinema("CineViet Lê Lợi", "72 Lê Lợi, Phường Bến Nghé", "Hồ Chí Minh", "Quận 1", 10.7736, 106.7010,
               "028 3822 7788", ("Parking", "Food court", "Wheelchair access", "IMAX"), (
                   _theater("IMAX", "IMAX", "IMAX 12-Channel", IMAX),
                   _theater("Rạp 2", "3D", "Dolby Atmos", STANDARD),
                   _theater("Rạp 3", "2D", "Dolby Digital 7.1", STANDARD),
                   _theater("Rạp 4", "2D", "Dolby Digital 7.1", SMALL))),
    DemoCinema("CineViet Thảo Điền", "159 Xa lộ Hà Nội, Phường Thảo Điền", "Hồ Chí Minh", "Thành phố Thủ Đức",
               10.8022, 106.7410, "028 3744 6699", ("Parking", "Café", "Kids zone"), (
                   _theater("Rạp 1", "2D", "Dolby Digital 7.1", STANDARD),
                   _theater("Rạp 2", "3D", "Dolby Atmos", STANDARD),
                   _theater("Rạp 3", "2D", "DTS:X", SMALL),
                   _theater("Rạp 4", "2D", "Dolby Digital 7.1", SMALL))),
    DemoCinema("CineViet Phú Mỹ Hưng", "101 Tôn Dật Tiên, Phường Tân Phú", "Hồ Chí Minh", "Quận 7", 10.7296,
               106.7192, "028 5413 3355", ("Parking", "Food court", "4DX", "Wheelchair access"), (
                   _theater("4DX", "4DX", "Dolby Atmos", FOUR_DX),
                   _theater("Rạp 2", "3D", "Dolby Atmos", STANDARD),
                   _theater("Rạp 3", "2D", "Dolby Digital 7.1", STANDARD),
                   _theater("Rạp 4", "2D", "Dolby Digital 7.1", SMALL))),
    DemoCinema("CineViet Hoàn Kiếm", "44 Tràng Tiền, Phường Tràng Tiền", "Hà Nội", "Quận Hoàn Kiếm", 21.0245,
               105.8567, "024 3933 1166", ("Café", "Wheelchair access", "IMAX"), (
                   _theater("IMAX", "IMAX", "IMAX 12-Channel", IMAX),
                   _theater("Rạp 2", "2D", "Dolby Atmos", STANDARD),
                   _theater("Rạp 3", "3D", "Dolby Digital 7.1", SMALL),
                   _theater("Rạp 4", "2D", "Dolby Digital 7.1", SMALL))),
    DemoCinema("CineViet Cầu Giấy", "241 Xuân Thủy, Phường Dịch Vọng Hậu", "Hà Nội", "Quận Cầu Giấy", 21.0368,
               105.7826, "024 3767 2288", ("Parking", "Food court", "4DX", "Kids zone"), (
                   _theater("4DX", "4DX", "Dolby Atmos", FOUR_DX),
                   _theater("Rạp 2", "2D", "Dolby Atmos", STANDARD),
                   _theater("Rạp 3", "3D", "DTS:X", STANDARD),
                   _theater("Rạp 4", "2D", "Dolby Digital 7.1", SMALL))),
)


def _seeded(kind: str, name: str, created: bool) -> Seeded:
    # Imported here: cinema.seed imports this module to register its steps.
    from cinema.seed import Seeded

    return Seeded(kind=kind, name=name, created=created)


async def seed_genres(session: AsyncSession, now: datetime) -> list[Seeded]:
    """Ensure the demo genres exist."""
    seeded = []
    for name in GENRES:
        genre, created = await movies_service.ensure_genre(session, body=GenreCreate(name=name))
        seeded.append(_seeded("genre", genre.name, created))
    return seeded


def movie_body(movie: DemoMovie, today: date, genre_ids: list[UUID]) -> MovieCreate:
    release = today + timedelta(days=movie.released)
    return MovieCreate.model_validate({
        "title": movie.title, "originalTitle": movie.original_title, "description": movie.description,
        "duration": movie.duration, "releaseDate": release,
        "endDate": release + timedelta(days=movie.runs_for),
        "country": movie.country, "language": movie.language, "director": movie.director,
        "cast": list(movie.cast), "ageRating": movie.age_rating, "genreIds": genre_ids,
        "trailerUrl": "https://www.youtube.com/results?search_query="
                      + quote_plus(f"{movie.original_title or movie.title} trailer"),
    })


async def seed_movies(session: AsyncSession, now: datetime) -> list[Seeded]:
    """Ensure the demo movies exist, dated around the local day of `now`."""
    today = now.astimezone(LOCAL_TZ).date()
    genre_ids = await movies_service.genre_ids_by_slug(session, slugs={s for m in MOVIES for s in m.genres})
    seeded = []
    for movie in MOVIES:
        body = movie_body(movie, today, [genre_ids[slug] for slug in movie.genres if slug in genre_ids])
        found, created = await movies_service.ensure_movie(session, body=body, today=today)
        kind = f"movie ({found.status.value}, {found.age_rating.value})"
        seeded.append(_seeded(kind, found.title, created))
    return seeded


async def seed_cinemas(session: AsyncSession, now: datetime) -> list[Seeded]:
    """Ensure the demo cinemas exist, each with its theaters and their seat layouts."""
    seeded = []
    for demo in CINEMAS:
        body = CinemaCreate.model_validate({
            "name": demo.name, "address": demo.address, "city": demo.city, "district": demo.district,
            "latitude": demo.latitude, "longitude": demo.longitude, "phone": demo.phone,
            "facilities": list(demo.facilities)})
        cinema, created = await cinemas_service.ensure_cinema(session, body=body)
        seeded.append(_seeded("cinema", f"{cinema.name} ({cinema.city})", created))
        for theater in demo.theaters:
            found, made = await cinemas_service.ensure_theater(session, cinema_id=cinema.id,
                                                               body=TheaterCreate.model_validate(theater))
            seeded.append(_seeded(f"theater ({found.screen_type.value}, {found.capacity} seats)",
                                  f"{cinema.name} – {found.name}", made))
    return seeded
