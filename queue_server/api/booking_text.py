"""The words of the public booking pages, Russian first and English second."""

from __future__ import annotations

MONTHS = {
    "ru": (
        "январь", "февраль", "март", "апрель", "май", "июнь",
        "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip

MONTHS_GENITIVE = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip

WEEKDAYS_SHORT = {
    "ru": ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
WEEKDAYS_LONG = {
    "ru": ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}

CONSENT = {
    "ru": (
        "Я даю согласие на обработку моих персональных данных (имя, телефон, адрес "
        "электронной почты) в соответствии с Федеральным законом от 27.07.2006 № 152-ФЗ "
        "«О персональных данных» для записи на приём и напоминаний о ней. Данные удаляются "
        "после визита; согласие можно отозвать, отменив запись."
    ),
    "en": (
        "I consent to the processing of my personal data (name, phone, e-mail) under Russian "
        "Federal Law No. 152-FZ “On Personal Data” for this booking and its reminders. The data "
        "are deleted after the visit; cancelling the booking withdraws the consent."
    ),
}

TEXT: dict[str, dict[str, str]] = {
    "ru": {
        "other_lang": "English",
        "brand": "Запись на приём",
        "choose_office": "Выберите офис",
        "choose_service": "Выберите услугу",
        "no_services": "В этом офисе сейчас нет услуг с предварительной записью. "
        "Возьмите талон в терминале в офисе.",
        "minutes": "мин",
        "choose_day": "Выберите день",
        "free_day": "есть свободное время",
        "today": "сегодня",
        "no_free_day": "нет записи",
        "prev_month": "← Предыдущий месяц",
        "next_month": "Следующий месяц →",
        "no_days": "В этом месяце свободных дней нет.",
        "choose_time": "Выберите время",
        "places_left": "мест",
        "no_slots": "На этот день свободного времени уже нет. Выберите другой день.",
        "other_day": "← Другой день",
        "other_time": "← Другое время",
        "slot_gone": "Это время уже недоступно (занято или прошло). Выберите другое.",
        "other_service": "← Другая услуга",
        "your_booking": "Ваша запись",
        "service": "Услуга",
        "when": "Дата и время",
        "where": "Адрес",
        "contacts": "Контакты для напоминания (по желанию)",
        "contacts_hint": "Можно не заполнять: код записи покажем на следующей странице.",
        "name": "Имя",
        "phone": "Телефон",
        "phone_hint": "Например, +7 900 123-45-67",
        "email": "Электронная почта",
        "consent": "Согласие на обработку персональных данных",
        "book": "Записаться",
        "fix_errors": "Проверьте поля, отмеченные ниже.",
        "bad_phone": "Номер телефона не распознан: введите 11 цифр, например +7 900 123-45-67",
        "bad_email": "Адрес почты не распознан: он должен быть вида name@example.ru",
        "bad_name": "Имя не должно содержать служебных символов и быть длиннее 120 знаков",
        "need_consent": "Без согласия на обработку персональных данных мы не можем сохранить "
        "контакты: отметьте согласие или оставьте поля контактов пустыми",
        "booked": "Вы записаны",
        "code": "Код записи",
        "code_hint": "Назовите код или покажите QR-код в терминале в офисе, чтобы отметиться "
        "о приходе.",
        "come_early": "Приходите за 5–10 минут до назначенного времени.",
        "documents": "Возьмите с собой",
        "add_calendar": "Добавить в календарь (.ics)",
        "manage_link": "Перенести или отменить запись",
        "keep_link": "Сохраните эту страницу в закладках: по ней можно перенести или "
        "отменить запись. Ссылка личная — не пересылайте её.",
        "status": "Состояние",
        "status_booked": "Запись действует",
        "status_checked_in": "Вы отметились о приходе",
        "status_cancelled": "Запись отменена",
        "status_missed": "Вы не пришли в назначенное время",
        "status_served": "Приём состоялся",
        "move": "Перенести на другое время",
        "cancel": "Отменить запись",
        "cancel_confirm": "Отменить запись?",
        "cancel_warn": "Время освободится для других посетителей. Отменённую запись "
        "восстановить нельзя.",
        "cancel_yes": "Да, отменить",
        "cancel_no": "Нет, оставить",
        "cancelled": "Запись отменена",
        "cancelled_text": "Время освобождено. Вы можете записаться снова.",
        "book_again": "Записаться снова",
        "move_title": "Перенос записи",
        "move_to": "Перенести на",
        "move_yes": "Перенести",
        "moved": "Запись перенесена",
        "find": "Найти свою запись",
        "find_title": "Найти запись по коду",
        "find_code": "Код записи",
        "find_last4": "Последние 4 цифры телефона",
        "find_go": "Найти",
        "find_hint": "Код и телефон, указанные при записи. Если вы не оставляли телефон, "
        "воспользуйтесь личной ссылкой со страницы подтверждения.",
        "find_wrong": "Запись с таким кодом и телефоном не найдена. Проверьте код и цифры.",
        "bad_code": "Введите код записи, как он указан в подтверждении",
        "bad_last4": "Введите ровно 4 последние цифры телефона",
        "too_many": "Слишком много неудачных попыток. Повторите через {minutes} мин или "
        "воспользуйтесь личной ссылкой из подтверждения.",
        "rate_limited": "Слишком много запросов. Повторите через {seconds} с.",
        "csrf": "Форма устарела или отправлена не с этой страницы, поэтому ничего не "
        "изменено. Откройте страницу заново и повторите.",
        "forbidden": "Действие отклонено",
        "bad_link": "Ссылка на запись неверна или устарела. Проверьте, что она скопирована "
        "полностью, или найдите запись по коду.",
        "not_found": "Страница не найдена",
        "bad_office": "Такой офис не найден. Проверьте ссылку.",
        "bad_service": "Такая услуга не найдена или на неё нет записи.",
        "bad_date": "Дата или время указаны неверно: выберите их в календаре.",
        "not_changeable": "Эту запись уже нельзя изменить.",
        "start": "К началу записи",
        "step": "Шаг {n} из 4",
        "error": "Ошибка",
        "nothing_changed": "Ничего не изменено.",
    },
    "en": {
        "other_lang": "Русский",
        "brand": "Book a visit",
        "choose_office": "Choose an office",
        "choose_service": "Choose a service",
        "no_services": "This office takes no online bookings right now. Take a ticket at the "
        "kiosk in the office.",
        "minutes": "min",
        "choose_day": "Choose a day",
        "free_day": "free times available",
        "today": "today",
        "no_free_day": "not bookable",
        "prev_month": "← Previous month",
        "next_month": "Next month →",
        "no_days": "No free days this month.",
        "choose_time": "Choose a time",
        "places_left": "places",
        "no_slots": "No free times are left on this day. Please choose another day.",
        "other_day": "← Another day",
        "other_time": "← Another time",
        "slot_gone": "This time is no longer available (taken or past). Please choose another.",
        "other_service": "← Another service",
        "your_booking": "Your booking",
        "service": "Service",
        "when": "Date and time",
        "where": "Address",
        "contacts": "Contact for a reminder (optional)",
        "contacts_hint": "You may leave these empty: the next page shows your booking code.",
        "name": "Name",
        "phone": "Phone",
        "phone_hint": "For example, +7 900 123-45-67",
        "email": "E-mail",
        "consent": "Consent to the processing of personal data",
        "book": "Book",
        "fix_errors": "Please check the fields marked below.",
        "bad_phone": "This phone number is not recognised: enter 11 digits, e.g. +7 900 123-45-67",
        "bad_email": "This e-mail address is not recognised: it should look like name@example.com",
        "bad_name": "The name must not hold control characters or exceed 120 characters",
        "need_consent": "Without consent to process personal data we cannot keep your "
        "contact: tick the consent or leave the contact fields empty",
        "booked": "You are booked",
        "code": "Booking code",
        "code_hint": "Tell the code or show the QR code at the kiosk in the office to check in.",
        "come_early": "Please come 5–10 minutes before your time.",
        "documents": "Please bring",
        "add_calendar": "Add to calendar (.ics)",
        "manage_link": "Move or cancel the booking",
        "keep_link": "Bookmark this page: it lets you move or cancel the booking. The link is "
        "personal — do not share it.",
        "status": "Status",
        "status_booked": "Booked",
        "status_checked_in": "You have checked in",
        "status_cancelled": "Booking cancelled",
        "status_missed": "You did not come at the booked time",
        "status_served": "Visit completed",
        "move": "Move to another time",
        "cancel": "Cancel the booking",
        "cancel_confirm": "Cancel the booking?",
        "cancel_warn": "The time will be given to other visitors. A cancelled booking cannot "
        "be restored.",
        "cancel_yes": "Yes, cancel",
        "cancel_no": "No, keep it",
        "cancelled": "Booking cancelled",
        "cancelled_text": "The time is free again. You can book once more.",
        "book_again": "Book again",
        "move_title": "Move the booking",
        "move_to": "Move to",
        "move_yes": "Move",
        "moved": "Booking moved",
        "find": "Find my booking",
        "find_title": "Find a booking by its code",
        "find_code": "Booking code",
        "find_last4": "Last 4 digits of the phone",
        "find_go": "Find",
        "find_hint": "The code and phone given when booking. If you left no phone, use the "
        "personal link from the confirmation page.",
        "find_wrong": "No booking with this code and phone. Check the code and the digits.",
        "bad_code": "Enter the booking code as shown in the confirmation",
        "bad_last4": "Enter exactly the last 4 digits of the phone",
        "too_many": "Too many failed attempts. Try again in {minutes} min or use the personal "
        "link from the confirmation.",
        "rate_limited": "Too many requests. Try again in {seconds} s.",
        "csrf": "The form has expired or was not sent from this site, so nothing was "
        "changed. Open the page again and retry.",
        "forbidden": "Action refused",
        "bad_link": "This booking link is wrong or out of date. Check that it was copied in "
        "full, or find the booking by its code.",
        "not_found": "Page not found",
        "bad_office": "No such office. Check the link.",
        "bad_service": "No such service, or it takes no bookings.",
        "bad_date": "The date or time is not valid: please pick them in the calendar.",
        "not_changeable": "This booking can no longer be changed.",
        "start": "Back to booking",
        "step": "Step {n} of 4",
        "error": "Error",
        "nothing_changed": "Nothing was changed.",
    },
}
