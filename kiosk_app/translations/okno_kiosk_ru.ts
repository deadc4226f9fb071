<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru_RU">
<context>
    <name>ConnectionBanner</name>
    <message>
        <source>Connecting to the server…</source>
        <translation>Подключение к серверу…</translation>
    </message>
    <message>
        <source>No connection to the server. Trying again…</source>
        <translation>Нет связи с сервером. Пробуем снова…</translation>
    </message>
    <message>
        <source>This device is not allowed on the server. Please tell the administrator.</source>
        <translation>Сервер не допускает это устройство. Сообщите администратору.</translation>
    </message>
</context>
<context>
    <name>KioskGuide</name>
    <message>
        <source>Your ticket could not be printed. Your number is %1. Please tell the administrator.</source>
        <translation>Талон не удалось напечатать. Ваш номер %1. Сообщите, пожалуйста, администратору.</translation>
    </message>
    <message>
        <source>Your ticket %1</source>
        <translation>Ваш талон %1</translation>
    </message>
    <message>
        <source>Choose what you have come for on the screen.</source>
        <translation>Выберите на экране, зачем вы пришли.</translation>
    </message>
    <message>
        <source>Choose the service.</source>
        <translation>Выберите услугу.</translation>
    </message>
    <message>
        <source>Priority visitors. If this is you, tap Continue.</source>
        <translation>Льготная категория. Если это о вас, нажмите «Продолжить».</translation>
    </message>
    <message>
        <source>Type the code from your booking, or hold its QR code to the scanner.</source>
        <translation>Наберите код из записи или поднесите её QR-код к сканеру.</translation>
    </message>
    <message>
        <source>The office is closed now.</source>
        <translation>Офис сейчас закрыт.</translation>
    </message>
</context>
<context>
    <name>KioskView</name>
    <message>
        <source>Normal text</source>
        <translation>Обычный шрифт</translation>
    </message>
    <message>
        <source>Larger text</source>
        <translation>Крупный шрифт</translation>
    </message>
    <message>
        <source>Normal colours</source>
        <translation>Обычные цвета</translation>
    </message>
    <message>
        <source>High contrast</source>
        <translation>Высокий контраст</translation>
    </message>
    <message>
        <source>Take a ticket</source>
        <translation>Возьмите талон</translation>
    </message>
    <message>
        <source>Choose what you have come for. Two taps: done.</source>
        <translation>Выберите, зачем вы пришли. Два касания — и талон у вас.</translation>
    </message>
    <message>
        <source>Priority visitors</source>
        <translation>Льготная категория</translation>
    </message>
    <message>
        <source>I have a booking</source>
        <translation>Я записан(а)</translation>
    </message>
    <message>
        <source>Closed now. Opens %1 at %2</source>
        <translation>Сейчас закрыто. Откроется: %1, %2</translation>
    </message>
    <message>
        <source>Closed now</source>
        <translation>Сейчас закрыто</translation>
    </message>
    <message>
        <source>No more tickets today</source>
        <translation>На сегодня талонов больше нет</translation>
    </message>
    <message>
        <source>Nobody is serving this right now</source>
        <translation>Сейчас эту услугу никто не ведёт</translation>
    </message>
    <message>
        <source>Monday</source>
        <translation>понедельник</translation>
    </message>
    <message>
        <source>Tuesday</source>
        <translation>вторник</translation>
    </message>
    <message>
        <source>Wednesday</source>
        <translation>среда</translation>
    </message>
    <message>
        <source>Thursday</source>
        <translation>четверг</translation>
    </message>
    <message>
        <source>Friday</source>
        <translation>пятница</translation>
    </message>
    <message>
        <source>Saturday</source>
        <translation>суббота</translation>
    </message>
    <message>
        <source>Sunday</source>
        <translation>воскресенье</translation>
    </message>
    <message>
        <source>Choose a service</source>
        <translation>Выберите услугу</translation>
    </message>
    <message>
        <source>Priority ticket: choose the service.</source>
        <translation>Льготный талон: выберите услугу.</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Назад</translation>
    </message>
    <message>
        <source>Served first: disabled people of groups I and II and their companions, veterans and participants of combat operations, pregnant women, parents with children under three. The specialist may ask for the document.</source>
        <translation>Вне очереди обслуживаются: инвалиды I и II групп и их сопровождающие, ветераны и участники боевых действий, беременные женщины, родители с детьми до трёх лет. Специалист может попросить подтверждающий документ.</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>Продолжить</translation>
    </message>
    <message>
        <source>Your ticket is being issued…</source>
        <translation>Выдаём талон…</translation>
    </message>
    <message>
        <source>Please wait a moment.</source>
        <translation>Подождите немного.</translation>
    </message>
    <message>
        <source>You are checked in. Your ticket:</source>
        <translation>Вы отмечены. Ваш талон:</translation>
    </message>
    <message>
        <source>Your ticket number</source>
        <translation>Номер вашего талона</translation>
    </message>
    <message>
        <source>Priority ticket</source>
        <translation>Льготный талон</translation>
    </message>
    <message>
        <source>You came after your booked time, so your ticket is in the general queue.</source>
        <translation>Вы пришли позже времени записи, поэтому талон выдан в общую очередь.</translation>
    </message>
    <message>
        <source>Your booked time: %1</source>
        <translation>Время вашей записи: %1</translation>
    </message>
    <message>
        <source>You are next in line.</source>
        <translation>Вы следующий(ая) в очереди.</translation>
    </message>
    <message>
        <source>People ahead of you: %1</source>
        <translation>Перед вами: %1</translation>
    </message>
    <message>
        <source>Estimated wait: under a minute</source>
        <translation>Ожидание: меньше минуты</translation>
    </message>
    <message>
        <source>Estimated wait: ≈ %1 min</source>
        <translation>Ожидание: ≈ %1 мин</translation>
    </message>
    <message>
        <source>The wait cannot be estimated right now.</source>
        <translation>Время ожидания сейчас оценить нельзя.</translation>
    </message>
    <message>
        <source>Please have ready:</source>
        <translation>Подготовьте документы:</translation>
    </message>
    <message>
        <source>Printing your ticket…</source>
        <translation>Печатаем талон…</translation>
    </message>
    <message>
        <source>Take your ticket below and watch the display board.</source>
        <translation>Возьмите талон внизу и следите за табло.</translation>
    </message>
    <message>
        <source>The ticket could not be printed. Photograph this screen or remember the number, and tell the administrator.</source>
        <translation>Талон не удалось напечатать. Сфотографируйте экран или запомните номер и сообщите администратору.</translation>
    </message>
    <message>
        <source>Scan the code to follow your place in line.</source>
        <translation>Наведите камеру телефона на код, чтобы следить за очередью.</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Готово</translation>
    </message>
    <message>
        <source>This service is closed now</source>
        <translation>Эта услуга сейчас не оказывается</translation>
    </message>
    <message>
        <source>Please choose another service or come back during opening hours.</source>
        <translation>Выберите другую услугу или приходите в часы приёма.</translation>
    </message>
    <message>
        <source>Today&apos;s tickets for this service are gone. You can book a visit.</source>
        <translation>Талоны на эту услугу на сегодня закончились. Вы можете записаться на приём заранее.</translation>
    </message>
    <message>
        <source>This service is no longer offered</source>
        <translation>Эта услуга больше не предоставляется</translation>
    </message>
    <message>
        <source>The list of services has changed. Please choose again.</source>
        <translation>Список услуг изменился. Выберите ещё раз.</translation>
    </message>
    <message>
        <source>Something went wrong</source>
        <translation>Что-то пошло не так</translation>
    </message>
    <message>
        <source>The kiosk did not understand the server. Please tell the administrator.</source>
        <translation>Киоск не понял ответ сервера. Сообщите администратору.</translation>
    </message>
    <message>
        <source>The ticket was not issued</source>
        <translation>Талон не выдан</translation>
    </message>
    <message>
        <source>Please try again or ask the administrator for help.</source>
        <translation>Попробуйте ещё раз или обратитесь к администратору.</translation>
    </message>
    <message>
        <source>Check-in is not available yet</source>
        <translation>Отметка о записи пока недоступна</translation>
    </message>
    <message>
        <source>Booking check-in does not work at this office yet. Please take a ticket for your service instead, or ask the administrator.</source>
        <translation>Отметка по предварительной записи в этом офисе пока не работает. Возьмите, пожалуйста, талон на свою услугу или обратитесь к администратору.</translation>
    </message>
    <message>
        <source>This is not a booking code</source>
        <translation>Это не код записи</translation>
    </message>
    <message>
        <source>A booking code has 4 to 12 letters and digits. Please check it.</source>
        <translation>Код записи — от 4 до 12 букв и цифр. Проверьте его, пожалуйста.</translation>
    </message>
    <message>
        <source>You are checked in</source>
        <translation>Вы отмечены</translation>
    </message>
    <message>
        <source>Please wait for your number on the display board.</source>
        <translation>Ожидайте вызова своего номера на табло.</translation>
    </message>
    <message>
        <source>Check-in is not possible</source>
        <translation>Отметить запись нельзя</translation>
    </message>
    <message>
        <source>Please take a ticket for your service or ask the administrator.</source>
        <translation>Возьмите талон на вашу услугу или обратитесь к администратору.</translation>
    </message>
    <message>
        <source>Back to start</source>
        <translation>На главную</translation>
    </message>
    <message>
        <source>Type the code from your booking, or hold its QR code to the scanner.</source>
        <translation>Наберите код из записи или поднесите её QR-код к сканеру.</translation>
    </message>
    <message>
        <source>Check in</source>
        <translation>Отметиться</translation>
    </message>
    <message>
        <source>We open %1 at %2.</source>
        <translation>Откроемся: %1, %2.</translation>
    </message>
    <message>
        <source>The office is closed now</source>
        <translation>Офис сейчас закрыт</translation>
    </message>
    <message>
        <source>The kiosk is temporarily unavailable</source>
        <translation>Киоск временно недоступен</translation>
    </message>
    <message>
        <source>We are restoring the connection and will be back by ourselves in a moment. If this takes long, please ask the administrator.</source>
        <translation>Восстанавливаем связь — киоск заработает сам через минуту. Если это затянется, обратитесь к администратору.</translation>
    </message>
    <message>
        <source>The kiosk is out of service</source>
        <translation>Киоск не работает</translation>
    </message>
    <message>
        <source>Please ask the administrator for a ticket.</source>
        <translation>Обратитесь, пожалуйста, к администратору за талоном.</translation>
    </message>
</context>
<context>
    <name>PinDialog</name>
    <message>
        <source>Administrator PIN</source>
        <translation>PIN-код администратора</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>ОК</translation>
    </message>
    <message>
        <source>Wrong PIN</source>
        <translation>Неверный PIN-код</translation>
    </message>
</context>
</TS>
