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
        <translation>Это устройство не допущено к серверу. Сообщите администратору.</translation>
    </message>
</context>
<context>
    <name>DeskController</name>
    <message>
        <source>The note may not contain control characters such as tabs.</source>
        <translation>Заметка не может содержать управляющие символы, например табуляцию.</translation>
    </message>
    <message>
        <source>You were signed out of this workplace.</source>
        <extracomment>Problem codes after which the session cannot go on: sign in again.</extracomment>
        <translation>Вы больше не на этом рабочем месте.</translation>
    </message>
    <message>
        <source>Your session has ended. Please sign in again.</source>
        <translation>Сеанс завершён. Войдите снова.</translation>
    </message>
    <message>
        <source>Your session has ended.</source>
        <translation>Сеанс завершён.</translation>
    </message>
    <message>
        <source>The server did not answer. Check the connection and try again.</source>
        <translation>Сервер не ответил. Проверьте связь и попробуйте снова.</translation>
    </message>
    <message>
        <source>The server&apos;s answer was not understood.</source>
        <translation>Ответ сервера не удалось разобрать.</translation>
    </message>
    <message>
        <source>You signed out.</source>
        <translation>Вы вышли из системы.</translation>
    </message>
    <message>
        <source>The server did not answer. Check the connection.</source>
        <translation>Сервер не ответил. Проверьте связь.</translation>
    </message>
    <message>
        <source>Ticket %1 issued: %2 ahead</source>
        <translation>Выдан талон %1: впереди %2</translation>
    </message>
</context>
<context>
    <name>DeskWindow</name>
    <message>
        <source>Okno desk: %1</source>
        <translation>Окно — рабочее место: %1</translation>
    </message>
    <message>
        <source>My desk</source>
        <translation>Моё рабочее место</translation>
    </message>
    <message>
        <source>Hall</source>
        <translation>Зал</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>Нет связи</translation>
    </message>
    <message>
        <source>Signed out</source>
        <translation>Не в системе</translation>
    </message>
    <message>
        <source>Available</source>
        <translation>Свободен</translation>
    </message>
    <message>
        <source>Visitor called</source>
        <translation>Посетитель вызван</translation>
    </message>
    <message>
        <source>Serving</source>
        <translation>Идёт приём</translation>
    </message>
    <message>
        <source>On a break</source>
        <translation>Перерыв</translation>
    </message>
    <message>
        <source>Last visit: resolved.</source>
        <translation>Предыдущий приём: вопрос решён.</translation>
    </message>
    <message>
        <source>Last visit: a follow-up is needed.</source>
        <translation>Предыдущий приём: нужно повторное обращение.</translation>
    </message>
    <message>
        <source>Last visitor did not come.</source>
        <translation>Предыдущий посетитель не явился.</translation>
    </message>
    <message>
        <source>Last visitor was returned to the queue.</source>
        <translation>Предыдущий посетитель возвращён в очередь.</translation>
    </message>
    <message>
        <source>Last visitor was transferred.</source>
        <translation>Предыдущий посетитель перенаправлен.</translation>
    </message>
    <message>
        <source>Nobody at the desk. Press F1 to call the next visitor.</source>
        <translation>Посетителя нет. Нажмите F1, чтобы вызвать следующего.</translation>
    </message>
    <message>
        <source>On a break: press F8 to resume work.</source>
        <translation>Перерыв: нажмите F8, чтобы продолжить работу.</translation>
    </message>
    <message>
        <source>walk-in</source>
        <translation>в порядке очереди</translation>
    </message>
    <message>
        <source>priority visitor</source>
        <translation>льготный</translation>
    </message>
    <message>
        <source>appointment</source>
        <translation>по записи</translation>
    </message>
    <message>
        <source>Booked for %1</source>
        <translation>Запись на %1</translation>
    </message>
    <message>
        <source>Waited %1 min</source>
        <translation>Ждал(а) %1 мин</translation>
    </message>
    <message>
        <source>Called %1 times</source>
        <translation>Вызван %1 раз(а)</translation>
    </message>
    <message>
        <source>Earlier: %1</source>
        <translation>Ранее: %1</translation>
    </message>
    <message>
        <source>Note: %1</source>
        <translation>Заметка: %1</translation>
    </message>
    <message>
        <source>Speaks English</source>
        <translation>Говорит по-английски</translation>
    </message>
    <message>
        <source>Call next</source>
        <translation>Вызвать следующего</translation>
    </message>
    <message>
        <source>Recall</source>
        <translation>Повторить вызов</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>Начать приём</translation>
    </message>
    <message>
        <source>No-show</source>
        <translation>Не явился</translation>
    </message>
    <message>
        <source>Return to queue…</source>
        <translation>Вернуть в очередь…</translation>
    </message>
    <message>
        <source>Transfer…</source>
        <translation>Перенаправить…</translation>
    </message>
    <message>
        <source>Break…</source>
        <translation>Перерыв…</translation>
    </message>
    <message>
        <source>Resume work</source>
        <translation>Продолжить работу</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>Выйти</translation>
    </message>
    <message>
        <source>Resolved</source>
        <translation>Вопрос решён</translation>
    </message>
    <message>
        <source>Follow-up needed</source>
        <translation>Нужно повторно</translation>
    </message>
    <message>
        <source>Finish: the question is resolved</source>
        <translation>Завершить: вопрос решён</translation>
    </message>
    <message>
        <source>Finish: the visitor needs to come again</source>
        <translation>Завершить: посетителю нужно прийти ещё раз</translation>
    </message>
    <message>
        <source>On top</source>
        <translation>Поверх окон</translation>
    </message>
    <message>
        <source>Call this ticket</source>
        <translation>Вызвать этот талон</translation>
    </message>
    <message>
        <source>Waiting: %1</source>
        <translation>В очереди: %1</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>Услуга</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>Ждут</translation>
    </message>
    <message>
        <source>Longest</source>
        <translation>Дольше всех</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 мин</translation>
    </message>
    <message>
        <source>Ticket</source>
        <translation>Талон</translation>
    </message>
    <message>
        <source>Waits</source>
        <translation>Ждёт</translation>
    </message>
    <message>
        <source>Today: served %1</source>
        <translation>Сегодня: обслужено %1</translation>
    </message>
    <message>
        <source>avg %1 min</source>
        <translation>в среднем %1 мин</translation>
    </message>
    <message>
        <source>rating %1</source>
        <translation>оценка %1</translation>
    </message>
</context>
<context>
    <name>HallView</name>
    <message>
        <source>Issue a ticket for a visitor…</source>
        <translation>Выдать талон посетителю…</translation>
    </message>
    <message>
        <source>Desks (%1)</source>
        <translation>Рабочие места (%1)</translation>
    </message>
    <message>
        <source>Where</source>
        <translation>Где</translation>
    </message>
    <message>
        <source>Specialist</source>
        <translation>Специалист</translation>
    </message>
    <message>
        <source>Visitor</source>
        <translation>Посетитель</translation>
    </message>
    <message>
        <source>For</source>
        <translation>Время</translation>
    </message>
    <message>
        <source>break</source>
        <translation>перерыв</translation>
    </message>
    <message>
        <source>free</source>
        <translation>свободен</translation>
    </message>
    <message>
        <source>called</source>
        <translation>вызван</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 мин</translation>
    </message>
    <message>
        <source>Waiting (%1)</source>
        <translation>Ожидают (%1)</translation>
    </message>
    <message>
        <source>Ticket</source>
        <translation>Талон</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>Услуга</translation>
    </message>
    <message>
        <source>Waits</source>
        <translation>Ждёт</translation>
    </message>
</context>
<context>
    <name>IssueDialog</name>
    <message>
        <source>Issue a ticket</source>
        <translation>Выдать талон</translation>
    </message>
    <message>
        <source>Priority visitor</source>
        <translation>Льготный посетитель</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>Услуга</translation>
    </message>
    <message>
        <source>Visitor&apos;s language</source>
        <translation>Язык посетителя</translation>
    </message>
    <message>
        <source>Seen by the specialist only</source>
        <translation>Видит только специалист</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Заметка</translation>
    </message>
    <message>
        <source>Issue</source>
        <translation>Выдать</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
</context>
<context>
    <name>LoginWindow</name>
    <message>
        <source>Okno: sign in</source>
        <extracomment>Fits beside other programs on a 1366×768 screen (a third of its width, under the taskbar). Row background and text of each wait colour (text ≥ 4.5:1 on its background).</extracomment>
        <translation>Окно: вход</translation>
    </message>
    <message>
        <source>Sign in to your workplace</source>
        <translation>Вход на рабочее место</translation>
    </message>
    <message>
        <source>Login</source>
        <translation>Логин</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Пароль</translation>
    </message>
    <message>
        <source>Workplace</source>
        <translation>Рабочее место</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>Войти</translation>
    </message>
    <message>
        <source>Enter your login, password and workplace.</source>
        <translation>Введите логин, пароль и рабочее место.</translation>
    </message>
    <message>
        <source>Signing in…</source>
        <translation>Вход…</translation>
    </message>
</context>
<context>
    <name>PauseDialog</name>
    <message>
        <source>Take a break</source>
        <translation>Перерыв</translation>
    </message>
    <message>
        <source>Lunch</source>
        <translation>Обед</translation>
    </message>
    <message>
        <source>Short break</source>
        <translation>Короткий перерыв</translation>
    </message>
    <message>
        <source>Meeting</source>
        <translation>Совещание</translation>
    </message>
    <message>
        <source>Paperwork</source>
        <translation>Работа с документами</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Причина</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>ОК</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
</context>
<context>
    <name>RatingView</name>
    <message>
        <source>Specialist: %1</source>
        <extracomment>Face colours from 1 (bad) to 5 (excellent); the word under each face carries the meaning too.</extracomment>
        <translation>Специалист: %1</translation>
    </message>
    <message>
        <source>The window is closed</source>
        <translation>Окно не работает</translation>
    </message>
    <message>
        <source>After your visit you can rate the service here.</source>
        <translation>После приёма здесь можно оценить обслуживание.</translation>
    </message>
    <message>
        <source>Please rate the service</source>
        <translation>Оцените качество обслуживания</translation>
    </message>
    <message>
        <source>Ticket %1</source>
        <translation>Талон %1</translation>
    </message>
    <message>
        <source>Very bad</source>
        <translation>Очень плохо</translation>
    </message>
    <message>
        <source>Bad</source>
        <translation>Плохо</translation>
    </message>
    <message>
        <source>So-so</source>
        <translation>Нормально</translation>
    </message>
    <message>
        <source>Good</source>
        <translation>Хорошо</translation>
    </message>
    <message>
        <source>Excellent</source>
        <translation>Отлично</translation>
    </message>
    <message>
        <source>What went wrong?</source>
        <translation>Что было не так?</translation>
    </message>
    <message>
        <source>Long wait</source>
        <translation>Долго ждал(а)</translation>
    </message>
    <message>
        <source>Unclear explanation</source>
        <translation>Непонятно объяснили</translation>
    </message>
    <message>
        <source>Impolite</source>
        <translation>Невежливо</translation>
    </message>
    <message>
        <source>My question was not resolved</source>
        <translation>Вопрос не решён</translation>
    </message>
    <message>
        <source>Something else</source>
        <translation>Другое</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Готово</translation>
    </message>
    <message>
        <source>How easy was it to get your question resolved?</source>
        <translation>Насколько легко было решить ваш вопрос?</translation>
    </message>
    <message>
        <source>1 — very hard      5 — very easy</source>
        <translation>1 — очень трудно      5 — очень легко</translation>
    </message>
    <message>
        <source>Skip</source>
        <translation>Пропустить</translation>
    </message>
    <message>
        <source>Thank you!</source>
        <translation>Спасибо!</translation>
    </message>
    <message>
        <source>Your rating helps us work better.</source>
        <translation>Ваша оценка помогает нам работать лучше.</translation>
    </message>
</context>
<context>
    <name>ReturnDialog</name>
    <message>
        <source>Return to the queue</source>
        <translation>Вернуть в очередь</translation>
    </message>
    <message>
        <source> min</source>
        <translation> мин</translation>
    </message>
    <message>
        <source>Callable again after</source>
        <translation>Можно вызвать через</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>ОК</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
</context>
<context>
    <name>TransferDialog</name>
    <message>
        <source>Transfer the visitor</source>
        <translation>Перенаправить посетителя</translation>
    </message>
    <message>
        <source>Anyone who serves it</source>
        <translation>Любой специалист этой услуги</translation>
    </message>
    <message>
        <source>Any workplace</source>
        <translation>Любое рабочее место</translation>
    </message>
    <message>
        <source>To the head of the queue (keeps the original time)</source>
        <translation>В начало очереди (по времени выдачи талона)</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>Услуга</translation>
    </message>
    <message>
        <source>Colleague</source>
        <translation>Специалист</translation>
    </message>
    <message>
        <source>Workplace</source>
        <translation>Рабочее место</translation>
    </message>
    <message>
        <source>Transfer</source>
        <translation>Перенаправить</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
</context>
<context>
    <name>desk</name>
    <message>
        <source>The server cannot be reached. Check the network and try again.</source>
        <translation>Сервер недоступен. Проверьте сеть и попробуйте снова.</translation>
    </message>
    <message>
        <source>The server&apos;s answer was not understood.</source>
        <translation>Ответ сервера не удалось разобрать.</translation>
    </message>
</context>
</TS>
